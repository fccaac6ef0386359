"""Use cases of the collections context: runs, arrangements, protections and regulatory holds."""
