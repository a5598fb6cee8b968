"""Form service commands: ``serve``, ``worker``, ``escalate``, ``report``, ``db``, ``backup``..."""

commands: list = []
