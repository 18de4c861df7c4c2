"""Indexes: data structures that answer "which stored hashes are near this one"."""
