"""The `urbis` command line."""
