"""Use cases of the service orders context: field work and the changes its outcomes make."""
