"""The web parts: one blueprint per audience (``intake`` for workers, ``desk`` for officers), the
words and templates they share, and the per-request accessors (``context``).
"""
