"""Use cases of the identity context."""
