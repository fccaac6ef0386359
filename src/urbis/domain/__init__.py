"""Pure business rules per context: no I/O, no clock."""
