"""Use cases of rating: simulate a bill for given usage, tariff and customer."""
