"""Pure domain logic: signal types, hashing, indexes, matching.

Imports only the standard library, numpy, Pillow and hashing libraries -- never the
database, web or CLI layers (enforced by import-linter, see pyproject.toml).
"""
