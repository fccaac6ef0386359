"""Use cases of the premises context."""
