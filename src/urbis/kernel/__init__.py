"""Shared kernel: money, quantities, periods, ids and errors used by every context."""
