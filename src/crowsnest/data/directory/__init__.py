"""The help directory: one JSON file per region plus international.json (see docs/directory.md)."""
