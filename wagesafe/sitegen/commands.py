"""Portal commands: ``wagesafe build``."""

commands: list = []
