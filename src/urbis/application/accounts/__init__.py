"""Use cases of the accounts context."""
