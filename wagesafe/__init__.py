"""WageSafe (薪安通): shared core — the registry, configuration and the command line.

Everything that two of the outputs (portal, posters, form service) need lives here, once:
the registry loader and its rules, a project's public URL, a township's responsible officer.
"""

__version__ = "0.1.0"
