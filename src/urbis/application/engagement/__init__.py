"""Use cases of the engagement context: interactions, cases and notifications."""
