"""The form service's ``wagesafe`` commands: ``service`` (serve, worker, db, demo), ``desk``
(escalate, report, redact, users), ``api_keys`` and ``operations`` (config check, backup, restore,
upgrade, deploy render-nginx). ``wagesafe.cli`` adds ``commands`` to the group.
"""

from __future__ import annotations

from .api_keys import commands as api_key_commands
from .desk import commands as desk_commands
from .operations import commands as operations_commands
from .service import commands as service_commands

commands: list = [*service_commands, *desk_commands, *api_key_commands, *operations_commands]
