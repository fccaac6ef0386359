"""Open311 GeoReport v2: the shipped demo catalogue and the JSON and XML formats."""
