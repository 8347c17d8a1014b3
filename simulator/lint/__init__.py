"""Protocol lint: what a bot does that passes here but fails, or is punished, on real QQ.

Every ``Simulator`` has one (``sim.lint``, a ``Linter``); its rules, with ids, one-line
summaries and the facts behind them, are in ``RULES``. Findings show in the console's
inspector, as pytest warnings (``QQLintWarning`` and one subclass per rule) and in
``qqsim test``'s summary and JUnit file. ``QQSIM_LINT_IGNORE=rule,...``, ``--lint-ignore``
or ``sim.lint.silence(rule)`` silence rules.
"""

from .linter import IGNORE_ENV, Lint, Linter, parse_ignore
from .rules import (
    RULES,
    AtAllQuotaLint,
    MessageTooLongLint,
    QQLintWarning,
    RepeatAfterFailureLint,
    RetryLoopLint,
    Rule,
    SelfReplyLint,
    SendRateLint,
    StaleMessageIdLint,
    TotalSendRateLint,
    UnroutedActionLint,
)

__all__ = [
    "IGNORE_ENV", "RULES", "AtAllQuotaLint", "Lint", "Linter", "MessageTooLongLint",
    "QQLintWarning", "RepeatAfterFailureLint", "RetryLoopLint", "Rule", "SelfReplyLint",
    "SendRateLint", "StaleMessageIdLint", "TotalSendRateLint", "UnroutedActionLint",
    "parse_ignore",
]
