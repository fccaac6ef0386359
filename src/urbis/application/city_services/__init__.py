"""Use cases of the city services context (Open311 GeoReport v2)."""
