"""Interfaces: API, web, CLI and workers."""
