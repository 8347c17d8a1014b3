"""The lint rules: what passes in qqsim but fails, or gets an account punished, on QQ + NapCat.

Each rule has an id (shown by the console and ``qqsim test``; ``QQSIM_LINT_IGNORE``), a one-line
summary, the fact it rests on and where that fact comes from, and a warning
class of its own, so pytest can silence or escalate one rule alone::

    pytest -W error::simulator.lint.SendRateLint          # this rule fails the test
    @pytest.mark.filterwarnings("ignore::simulator.lint.AtAllQuotaLint")

Thresholds are module constants: QQ publishes no numbers for its risk
control, so the rate rules use the limits that OneBot implementations ship
as their safe defaults (see each rule's ``source``).
"""

from __future__ import annotations

from dataclasses import dataclass


class QQLintWarning(UserWarning):
    """Base of every lint warning (``-W error::simulator.lint.QQLintWarning``: all of them)."""


class SendRateLint(QQLintWarning):
    """``group-send-rate`` (and, as its subclass, ``total-send-rate``)."""


class TotalSendRateLint(SendRateLint):
    """``total-send-rate``."""


class MessageTooLongLint(QQLintWarning):
    """``message-too-long``."""


class AtAllQuotaLint(QQLintWarning):
    """``at-all-quota``."""


class SelfReplyLint(QQLintWarning):
    """``self-reply``."""


class RetryLoopLint(QQLintWarning):
    """``retry-loop``."""


class UnroutedActionLint(QQLintWarning):
    """``unrouted-action``."""


class StaleMessageIdLint(QQLintWarning):
    """``stale-message-id``."""


class RepeatAfterFailureLint(QQLintWarning):
    """``repeat-after-failure``."""


#: Messages one group may get from the bot within ``GROUP_WINDOW`` seconds (go-cqhttp's
#: default limiter refills one token a second; five allow a short burst).
GROUP_BURST = 5
GROUP_WINDOW = 5.0
#: Messages in all chats within ``TOTAL_WINDOW`` seconds: CQHTTP's rate-limited queue
#: sends one message per 500 ms.
TOTAL_BURST = 20
TOTAL_WINDOW = 10.0
#: Characters of text in one message.
MAX_TEXT = 4500
#: Failed sends of the same message target within ``RETRY_WINDOW`` seconds.
RETRY_LOOP_COUNT = 3
RETRY_WINDOW = 2.0
#: "At once": the same call again within this many seconds of its failure.
REPEAT_WINDOW = 1.0
#: NapCat's message-id cache (MessageUnique): the newest ids only, in memory.
NAPCAT_ID_CACHE = 5000
#: The bot's own earlier message counts as "just said" for this long (self-reply).
ECHO_WINDOW = 2.0


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    source: str
    warning: type[QQLintWarning]


RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule("group-send-rate",
         f"more than {GROUP_BURST} messages to one chat within {GROUP_WINDOW:g}s: QQ's risk "
         "control mutes or bans accounts that flood a group",
         "go-cqhttp modules/config/default_config.yml: message.rate-limit (frequency 1/s, "
         "token bucket); QQ gives no number, these are OneBot implementations' safe defaults",
         SendRateLint),
    Rule("total-send-rate",
         f"more than {TOTAL_BURST} messages within {TOTAL_WINDOW:g}s across all chats",
         "CQHTTP's _rate_limited queue (api.rate_limit_interval, 500 ms between sends); "
         "go-cqhttp's default limiter (message.rate-limit)",
         TotalSendRateLint),
    Rule("message-too-long",
         f"a message with more than {MAX_TEXT} characters of text: QQ refuses or cuts it",
         "mirai Contact.sendMessage KDoc (at most 4500 characters; mamoe/mirai#2289); "
         "go-cqhttp maintainer in Mrs4s/go-cqhttp#744 (about 5000 in theory)",
         MessageTooLongLint),
    Rule("at-all-quota",
         "@全体成员 beyond the day's allowance (10 a day), or from a bot that is not an admin",
         "go-cqhttp/NapCat get_group_at_all_remain (remain_at_all_count_for_group / _for_uin, "
         "can_at_all); qqsim's AT_ALL_PER_GROUP",
         AtAllQuotaLint),
    Rule("self-reply",
         "the bot answers its own message (quotes it, or repeats what it just said): with "
         "reportSelfMessage on NapCat this loops",
         "NapCat 4.18 network settings: reportSelfMessage posts message_sent events for the "
         "bot's own messages",
         SelfReplyLint),
    Rule("retry-loop",
         f"{RETRY_LOOP_COUNT} or more failed sends to one chat within {RETRY_WINDOW:g}s: "
         "a retry without backoff",
         "NapCat answers a send whose confirmation timed out as failed although QQ delivered "
         "it (NodeIKernelMsgService/sendMsg timeout): each retry may post the message again",
         RetryLoopLint),
    Rule("unrouted-action",
         "an action the active profile does not route: the real implementation answers "
         "'unsupported API'",
         "NapCat 4.18's action map and go-cqhttp's modules/api/api.go router, as qqsim's "
         "profiles hold them (simulator/onebot/profiles.py)",
         UnroutedActionLint),
    Rule("stale-message-id",
         f"a message_id NapCat has forgotten: from before a restart, or older than its "
         f"{NAPCAT_ID_CACHE} newest messages (消息不存在 on NapCat)",
         "NapCat 4.18 MessageUnique: message ids live in an in-memory LRU of 5000 entries, "
         "not persisted across restarts",
         StaleMessageIdLint),
    Rule("repeat-after-failure",
         f"the same call with the same parameters within {REPEAT_WINDOW:g}s of its failure: "
         "the retcode was ignored",
         "NapCat 4.18 retcodes: 1400 (bad parameters) and 1404 (unknown action) fail again "
         "with the same input, and a 1200 send timeout may have been delivered already",
         RepeatAfterFailureLint),
)}
