"""Use cases: the only layer that calls the store."""
