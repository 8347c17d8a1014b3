"""``python -m simulator`` is the ``qqsim`` command."""

from .cli import main

raise SystemExit(main())
