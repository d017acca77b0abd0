"""Setting up a programme: the ``piccolo loyalty …`` commands, the demo ``make run`` seeds, and
development sign-in tokens.

Rules: the demo seed is idempotent (running it again changes nothing) and refuses to run in
production; development tokens are unsigned and accepted only by the Firebase Auth emulator.

Modules:

* ``commands``: Staff commands: ``piccolo loyalty <command>`` (see docs/operations.md).
* ``demo``: The demo programme ``make run`` starts with: tiers, a store, a till, a staff user.
* ``demo_rules``: Demo points for ``make run``: two members with some points and one earning rule (idempotent).
* ``dev_tokens``: Firebase Auth emulator ID tokens for development (unsigned: ``alg: none``).
"""

from loyalty.setup.commands import COMMANDS
from loyalty.setup.demo import demo_staff_login_works

__all__ = ["COMMANDS", "demo_staff_login_works"]
