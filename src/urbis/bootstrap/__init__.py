"""Composition root: the only place that knows which adapter serves which port."""
