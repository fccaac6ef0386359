"""Use cases of tariffs: create a tariff, add a version, validate a document."""
