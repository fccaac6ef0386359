"""Use cases of the rules context: drafting, testing, approving, publishing and using rule packs."""
