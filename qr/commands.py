"""Poster commands: ``wagesafe posters``."""

commands: list = []
