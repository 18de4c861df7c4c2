"""Data files shipped with crowsnest (no code)."""
