"""Use cases per context: operations (writes) and queries (reads), over ports."""
