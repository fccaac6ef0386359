"""Which adapters serve the tariff and rating use cases."""

from __future__ import annotations

from urbis.adapters.tariffs import files
from urbis.application.tariffs import ports


def tariff_reader() -> ports.TariffReader:
    """Return the reader of urbis tariff documents (schema and model checks)."""
    return files.tariff_from_document
