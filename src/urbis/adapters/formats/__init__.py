"""Meter data file formats: urbis CSV, NEM12/NEM13, Green Button (NAESB ESPI XML)."""
