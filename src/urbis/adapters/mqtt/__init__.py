"""Meter read streams over MQTT."""
