"""Use cases of the billing context: bill runs, bills, corrections and the bill document."""
