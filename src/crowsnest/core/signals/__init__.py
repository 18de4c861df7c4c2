"""Signal types: how content becomes a hash, and how two hashes are compared."""
