"""
Extension points: the named questions the system asks, each with a typed input and output.

A rule pack answers exactly one extension point. The catalogue is code (what the system asks
is part of the program); the answers are data (rule packs).
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from urbis.domain.rules._schemas import Field, FieldType, Schema
from urbis.kernel import errors


class UnknownExtensionPoint(errors.NotFound):
    code = "unknown_extension_point"


class ImpactKind(enum.Enum):
    """How a change of answer turns into money, for simulations."""

    FACTOR = "FACTOR"
    """money = base amount x (new factor - old factor), per account."""
    AMOUNT = "AMOUNT"
    """money = new amount - old amount, per account."""
    AT_STAKE = "AT_STAKE"
    """money = the base amount of each account whose answer changes."""


@attrs.frozen
class Impact:
    kind: ImpactKind
    output: str | None
    """The answer's field that carries the factor or amount (None for AT_STAKE)."""
    base: str | None
    """The history column (input field or extra column) holding the base amount."""


@attrs.frozen
class ExtensionPoint:
    key: str
    title: str
    description: str
    input: Schema
    output: Schema
    impact: Impact | None = None


SERVICES = ("ELECTRICITY", "WATER", "SEWER", "GAS")
USE_CLASSES = ("RESIDENTIAL", "COMMERCIAL", "INDUSTRIAL", "OFFICIAL")


def _f(
    name: str,
    kind: FieldType,
    description: str,
    *,
    required: bool = True,
    choices: tuple[str, ...] = (),
    minimum: int | str | None = None,
    maximum: int | str | None = None,
    scale: int = 6,
) -> Field:
    return Field(
        name=name,
        type=kind,
        description=description,
        required=required,
        choices=choices,
        minimum=None if minimum is None else Decimal(minimum),
        maximum=None if maximum is None else Decimal(maximum),
        scale=scale,
    )


S, INT, D, B = FieldType.STRING, FieldType.INTEGER, FieldType.DECIMAL, FieldType.BOOLEAN

SUBSIDY_FACTOR = ExtensionPoint(
    key="subsidy_factor",
    title="Subsidy or contribution factor",
    description=(
        "Ley 142 de 1994: which solidarity factor applies to a supply and up to which "
        "consumption. A negative factor is a subsidy (applied to consumption up to the "
        "subsistence or basic limit), a positive one a contribution (applied to all "
        "consumption); the charge is the reference cost x (1 + factor)."
    ),
    input=Schema(
        fields=(
            _f("service", S, "Service supplied", choices=(*SERVICES, "WASTE")),
            _f("use_class", S, "Use class of the premise", choices=(*USE_CLASSES, "SPECIAL")),
            _f(
                "stratum",
                INT,
                "Socio-economic stratum (estrato) 1-6, residential only",
                required=False,
                minimum=1,
                maximum=6,
            ),
            _f(
                "altitude_m",
                INT,
                "Altitude of the municipality in metres above sea level",
                minimum=-500,
                maximum=6000,
            ),
            _f(
                "consumption",
                D,
                "Consumption of the period (kWh or m3)",
                required=False,
                minimum=0,
                scale=3,
            ),
        )
    ),
    output=Schema(
        fields=(
            _f("kind", S, "What applies", choices=("SUBSIDY", "CONTRIBUTION", "NONE")),
            _f(
                "factor",
                D,
                "Signed factor on the reference cost: -0.60 is a 60% subsidy, "
                "0.20 a 20% contribution",
                minimum="-1",
                maximum="2",
            ),
            _f(
                "limit",
                D,
                "Subsistence or basic consumption per month the subsidy covers (kWh or m3); "
                "0 when none",
                minimum=0,
                scale=3,
            ),
            _f("legal_basis", S, "The law or resolution the answer rests on", required=False),
        )
    ),
    impact=Impact(kind=ImpactKind.FACTOR, output="factor", base="reference_amount"),
)

BILL_VALIDATION = ExtensionPoint(
    key="bill_validation",
    title="Bill validation",
    description=(
        "Before a bill is issued: compare it with the account's history and decide to issue it "
        "or hold it for review (Ley 142 art. 149: significant deviations are investigated "
        "before billing)."
    ),
    input=Schema(
        fields=(
            _f("service", S, "Service billed", choices=SERVICES),
            _f("bill_amount", D, "Total of the bill", scale=2),
            _f("consumption", D, "Consumption billed", scale=3),
            _f(
                "average_consumption",
                D,
                "Average consumption of the last six billed periods; absent without history",
                required=False,
                minimum=0,
                scale=3,
            ),
            _f(
                "consecutive_estimates",
                INT,
                "Periods in a row billed on estimated reads, this one included",
                minimum=0,
            ),
            _f("days_in_period", INT, "Days the bill covers", minimum=1, maximum=400),
        )
    ),
    output=Schema(
        fields=(
            _f("action", S, "Issue the bill or hold it for review", choices=("ISSUE", "HOLD")),
            _f(
                "reason",
                S,
                "Why, as a stable code (OK, NON_POSITIVE_AMOUNT, HIGH_AGAINST_HISTORY, ...)",
            ),
        )
    ),
    impact=Impact(kind=ImpactKind.AT_STAKE, output=None, base="bill_amount"),
)

COLLECTION_ACTION = ExtensionPoint(
    key="collection_action",
    title="Next collection step",
    description=(
        "For an account in arrears: the next step of the collections policy, respecting "
        "protections (medical dependency, open claims, payment arrangements, regulatory holds)."
    ),
    input=Schema(
        fields=(
            _f("days_overdue", INT, "Days since the oldest unpaid bill fell due", minimum=0),
            _f("amount_overdue", D, "Amount overdue", minimum=0, scale=2),
            # every use class a premise can have: one odd account must not stop a whole run
            _f("segment", S, "Customer segment", choices=(*USE_CLASSES, "SPECIAL")),
            _f(
                "stratum",
                INT,
                "Stratum of a residential premise",
                required=False,
                minimum=1,
                maximum=6,
            ),
            _f(
                "medical_dependency",
                B,
                "A household member depends on powered medical equipment (registered)",
            ),
            _f("open_claim", B, "A claim about the amount is open (Ley 142 art. 155)"),
            _f("payment_arrangement", B, "The account keeps a payment arrangement"),
            _f(
                "regulatory_hold",
                B,
                "An authority's order stops suspensions in the account's region that day",
                required=False,
            ),
            _f(
                "risk_score",
                D,
                "Probability of not paying, 0-1",
                required=False,
                minimum=0,
                maximum=1,
            ),
        )
    ),
    output=Schema(
        fields=(
            _f(
                "action",
                S,
                "Next step",
                choices=(
                    "NONE",
                    "REMINDER",
                    "NOTICE",
                    "OFFER_ARRANGEMENT",
                    "SUSPENSION_NOTICE",
                    "SUSPEND",
                    "REFER_TO_AGENT",
                ),
            ),
            _f("reason", S, "Why, as a stable code"),
            _f("protected", B, "A protection stopped a harsher step"),
        )
    ),
    impact=Impact(kind=ImpactKind.AT_STAKE, output=None, base="amount_overdue"),
)

CASE_ROUTING = ExtensionPoint(
    key="case_routing",
    title="Case routing",
    description="Which queue works a new case, and with which priority (1 is the most urgent).",
    input=Schema(
        fields=(
            _f(
                "case_type",
                S,
                "Kind of case (PQR and service requests)",
                choices=("PETICION", "QUEJA", "RECLAMO", "RECURSO", "SERVICE_REQUEST", "OTHER"),
            ),
            _f(
                "channel",
                S,
                "Where it came in",
                choices=("PHONE", "EMAIL", "WEB", "WHATSAPP", "SMS", "OFFICE", "OPEN311"),
            ),
            _f(
                "text_category",
                S,
                "Category found in the text "
                "(BILLING, OUTAGE, LEAK, SAFETY, METER, CONNECTION, OTHER)",
            ),
            _f("location", S, "Zone or municipality of the premise", required=False),
        )
    ),
    output=Schema(
        fields=(
            _f("queue", S, "Queue that works the case"),
            _f("priority", INT, "1 (most urgent) to 4", minimum=1, maximum=4),
        )
    ),
)

DEPOSIT_REQUIRED = ExtensionPoint(
    key="deposit_required",
    title="Deposit for a new account",
    description="Whether a new account leaves a deposit (garantía) and how much.",
    input=Schema(
        fields=(
            _f("use_class", S, "Use class of the premise", choices=USE_CLASSES),
            _f(
                "stratum",
                INT,
                "Stratum of a residential premise",
                required=False,
                minimum=1,
                maximum=6,
            ),
            _f("tenancy", S, "Owner or lessee of the premise", choices=("OWNER", "LESSEE")),
            _f("prior_debt", B, "The customer left unpaid debt on another account"),
            _f("expected_monthly_amount", D, "Expected monthly bill", minimum=0, scale=2),
        )
    ),
    output=Schema(
        fields=(
            _f("required", B, "A deposit is required"),
            _f("amount", D, "Deposit amount (0 when none)", minimum=0, scale=2),
            _f("reason", S, "Why, as a stable code"),
        )
    ),
    impact=Impact(kind=ImpactKind.AMOUNT, output="amount", base=None),
)

VEE_THRESHOLDS = ExtensionPoint(
    key="vee_thresholds",
    title="VEE limits per meter class",
    description="Validation limits for a meter class (spikes, high/low usage, zero runs, gaps).",
    input=Schema(
        fields=(
            _f("meter_class", S, "Meter class (RES, C&I, ...)"),
            _f("service", S, "Service measured", choices=SERVICES),
        )
    ),
    output=Schema(
        fields=(
            _f(
                "spike_factor",
                D,
                "A value above this multiple of the channel's median is a spike",
                minimum="0.000001",
            ),
            _f("spike_floor", D, "Values below this never count as spikes", minimum="0.000001"),
            _f(
                "high_factor",
                D,
                "Daily usage above this multiple of expected is high",
                minimum="0.000001",
            ),
            _f(
                "low_factor",
                D,
                "Daily usage below this multiple of expected is low",
                minimum="0.000001",
            ),
            _f("zero_days", INT, "Days of zero consumption that raise a finding", minimum=1),
            _f(
                "short_gap_intervals",
                INT,
                "Gaps up to this many intervals are interpolated",
                minimum=1,
            ),
            _f(
                "sum_tolerance",
                D,
                "Relative tolerance of interval sums against register advance",
                minimum="0.000001",
            ),
        )
    ),
)

CATALOGUE: dict[str, ExtensionPoint] = {
    point.key: point
    for point in (
        SUBSIDY_FACTOR,
        BILL_VALIDATION,
        COLLECTION_ACTION,
        CASE_ROUTING,
        DEPOSIT_REQUIRED,
        VEE_THRESHOLDS,
    )
}


def extension_point(*, key: str) -> ExtensionPoint:
    """
    Return the extension point with this key.

    :raises UnknownExtensionPoint: if the system asks no such question.
    """
    try:
        return CATALOGUE[key]
    except KeyError:
        raise UnknownExtensionPoint(
            f"No extension point {key!r}; known: " + ", ".join(sorted(CATALOGUE)),
            details={"extension_point": key},
        ) from None
