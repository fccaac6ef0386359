"""Loading a city's Open311 service catalogue from YAML."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import yaml

from urbis.domain import city_services


def load_catalogue_file(path: Path | None = None) -> city_services.Catalogue:
    """
    Load a service catalogue from a YAML file, or the demo city's when no path is given.

    :raises InvalidCatalogue: if the file's content is not a valid catalogue.
    """
    if path is None:
        text = (
            importlib.resources.files("urbis.adapters.open311")
            .joinpath("medellin_services.yaml")
            .read_text(encoding="utf-8")
        )
    else:
        text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise city_services.InvalidCatalogue(f"The catalogue is not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise city_services.InvalidCatalogue("The catalogue is not a mapping")
    return city_services.load_catalogue(data=data)
