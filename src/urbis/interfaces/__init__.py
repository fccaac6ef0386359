"""Interfaces: parse, call one use case, render."""
