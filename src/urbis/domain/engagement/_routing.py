"""
What the ``case_routing`` question is told about a new case (ADR 0036): its type and channel in
the question's words, and a category found in its text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import attrs

from urbis.domain.engagement._cases import Case, CaseKind

NOT_ROUTED = "no case_routing pack in force"
"""What a case filed while no pack is in force says about its routing."""

CASE_TYPES: dict[CaseKind, str] = {
    CaseKind.PETITION: "PETICION",
    CaseKind.COMPLAINT: "QUEJA",
    CaseKind.CLAIM: "RECLAMO",
    CaseKind.RECONSIDERATION: "RECURSO",
    CaseKind.APPEAL: "RECURSO",
}

CHANNELS: dict[str, str] = {
    "EMAIL": "EMAIL",
    "SMS": "SMS",
    "WHATSAPP": "WHATSAPP",
    "WEB_CHAT": "WEB",
    "PHONE": "PHONE",
    "WALK_IN": "OFFICE",
    "PORTAL": "WEB",
    "OPEN311": "OPEN311",
}

# first match wins: danger to people before anything else, the bill last
_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "SAFETY",
        (
            "peligro",
            "danger",
            "chispa",
            "spark",
            "cable caido",
            "fallen wire",
            "electrocut",
            "incendio",
            "fire",
            "olor a gas",
            "gas smell",
        ),
    ),
    (
        "OUTAGE",
        ("sin luz", "sin energia", "sin servicio", "sin agua", "corte", "apagon", "outage"),
    ),
    ("LEAK", ("fuga", "leak", "escape", "tuberia rota", "burst")),
    ("METER", ("medidor", "contador", "meter")),
    ("CONNECTION", ("conexion", "acometida", "connection", "instalacion nueva", "new service")),
    ("BILLING", ("factura", "cobro", "bill", "charge", "consumo", "pago", "payment", "tarifa")),
)


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"\s+", " ", "".join(c for c in folded if not unicodedata.combining(c)))


def text_category(text: str) -> str:
    """
    The category found in a case's text (Spanish or English, accents ignored): SAFETY, OUTAGE,
    LEAK, METER, CONNECTION, BILLING, else OTHER.
    """
    plain = _plain(text)
    for category, words in _CATEGORIES:
        if any(word in plain for word in words):
            return category
    return "OTHER"


def routing_facts(*, case: Case, channel: str | None = None) -> dict[str, Any]:
    """
    The ``case_routing`` input for a case: ``channel`` overrides the case's own (an Open311
    request is filed through the portal channel but routed as ``OPEN311``).
    """
    return {
        "case_type": CASE_TYPES[case.kind],
        "channel": CHANNELS.get(channel or case.channel, "OFFICE"),
        "text_category": text_category(f"{case.subject} {case.description}"),
        "location": None,
    }


def routed(*, case: Case, queue: str | None, priority: int | None, by: str) -> Case:
    """The case with where it was routed, and by what (a pack version or ``NOT_ROUTED``)."""
    return attrs.evolve(case, queue=queue, priority=priority, routed_by=by)
