"""Error catalogues: how each implementation words a failure the world reported.

The world and the handlers raise typed errors carrying a ``Why`` code and the data of
the failure (``simulator/errors.py``, ``simulator/why.py``), never text. One module per
implementation turns them into what a bot reads:

- ``napcat.py``: NapCat's ``message``/``wording`` for every code. It is also qqsim's
  default voice: ``str(error)`` (logs, the control API, scenario reports) is NapCat's text.
- ``gocq.py``: go-cqhttp's ``msg`` code and wording, by action, error class and code.
- ``rules.py``: the lookup a rule-based catalogue (go-cqhttp's) is made of.

The package sits on the ground floor beside ``errors.py`` (which renders through
``napcat.py``), so it imports nothing above it.
"""
