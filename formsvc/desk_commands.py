"""Desk commands: ``escalate``, ``report``, ``users``."""

commands: list = []
