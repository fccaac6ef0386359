"""Use cases of the customers context."""
