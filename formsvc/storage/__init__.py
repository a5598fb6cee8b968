"""Storage: the SQLite schema and its migrations, the submitters' write turns, backup and restore,
and the audit log of who saw what.
"""
