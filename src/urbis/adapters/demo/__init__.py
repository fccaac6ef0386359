"""The demo utility: a deterministic, realistic synthetic utility in a Colombian city."""
