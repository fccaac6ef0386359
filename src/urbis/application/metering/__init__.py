"""Use cases of the metering context: ingest, VEE, exceptions, edits, determinants."""
