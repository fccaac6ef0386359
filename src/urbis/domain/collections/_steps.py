"""
The collections ladder: what a run does with the policy's answer for each account in arrears.

The policy (the ``collection_action`` rule pack) says what the next step is; this module keeps
the ladder honest around it: each step once per debt episode (the account's oldest overdue
item), no suspension order without a suspension notice given ``notice_days`` before, none for an
account already suspended, and a reconnection order once an account suspended for debt has paid
or keeps an arrangement (a pending suspension order is cancelled instead). Everything works on
Polars frames, so a run over a million accounts never builds a Python object per account.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta

import attrs
import polars as pl

from urbis.kernel import errors


class InvalidCollectionsFrame(errors.InvalidValue):
    code = "invalid_collections_frame"


class StepKind(enum.Enum):
    REMINDER = "REMINDER"
    NOTICE = "NOTICE"
    OFFER_ARRANGEMENT = "OFFER_ARRANGEMENT"
    SUSPENSION_NOTICE = "SUSPENSION_NOTICE"
    SUSPENSION_ORDER = "SUSPENSION_ORDER"
    REFER_TO_AGENT = "REFER_TO_AGENT"
    RECONNECTION_ORDER = "RECONNECTION_ORDER"
    CANCEL_SUSPENSION = "CANCEL_SUSPENSION"


# the policy's action → the step it asks for (NONE asks for nothing)
ACTION_STEPS: dict[str, StepKind] = {
    "REMINDER": StepKind.REMINDER,
    "NOTICE": StepKind.NOTICE,
    "OFFER_ARRANGEMENT": StepKind.OFFER_ARRANGEMENT,
    "SUSPENSION_NOTICE": StepKind.SUSPENSION_NOTICE,
    "SUSPEND": StepKind.SUSPENSION_ORDER,
    "REFER_TO_AGENT": StepKind.REFER_TO_AGENT,
}


@attrs.frozen
class Ladder:
    """The run's own settings around the policy."""

    notice_days: int = 5  # a suspension order waits this long after the suspension notice
    grace_days: int = 3  # an arrangement instalment is missed this many days after it fell due

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.notice_days <= 60 or not 0 <= self.grace_days <= 60:
            raise errors.InvalidValue("Notice and grace days are 0 to 60")


# Columns of the frames this module reads.
CANDIDATES = {
    "account_id": pl.String(),
    "episode": pl.String(),
    "days_overdue": pl.Int64(),
    "amount_overdue": pl.Decimal(38, 2),
    "suspended": pl.Boolean(),
}
ANSWERS = {"action": pl.String(), "reason": pl.String(), "protected": pl.Boolean()}
HISTORY = {
    "account_id": pl.String(),
    "episode": pl.String(),
    "kind": pl.String(),
    "as_of": pl.Date(),
}
STEPS = {
    "key": pl.String(),
    "account_id": pl.String(),
    "episode": pl.String(),
    "kind": pl.String(),
    "reason": pl.String(),
    "protected": pl.Boolean(),
    "days_overdue": pl.Int64(),
    "amount_overdue": pl.Decimal(38, 2),
}


def _check(frame: pl.DataFrame, schema: dict[str, pl.DataType], what: str) -> None:
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise InvalidCollectionsFrame(
            f"The {what} frame lacks {', '.join(missing)}", details={"missing": missing}
        )


def step_key(*, account_id: str, kind: StepKind, episode: str) -> str:
    """The key that makes a step happen once: per account, kind and debt episode."""
    return f"{account_id}:{kind.value}:{episode}"


def _key() -> pl.Expr:
    return pl.concat_str(
        [pl.col("account_id"), pl.col("kind"), pl.col("episode")], separator=":"
    ).alias("key")


def _new(planned: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """The planned steps the history does not hold yet, once each, with their keys."""
    key = ["account_id", "kind", "episode"]
    return (
        planned.join(history.select(key), on=key, how="anti")
        .unique(key, keep="first", maintain_order=True)
        .with_columns(_key())
        .select(list(STEPS))
        .cast(STEPS)  # type: ignore[arg-type]
    )


def empty_steps() -> pl.DataFrame:
    """A steps frame with no rows."""
    return pl.DataFrame(schema=STEPS)


def plan_steps(
    *,
    candidates: pl.DataFrame,
    answers: pl.DataFrame,
    history: pl.DataFrame,
    as_of: date,
    ladder: Ladder,
) -> pl.DataFrame:
    """
    The new steps of a run: the policy's answer per account (``answers``, in the candidates'
    order), less what the ladder forbids and what ``history`` already holds.

    A SUSPEND answer becomes a suspension order only if a suspension notice of the same episode
    was given at least ``notice_days`` before; otherwise it becomes that notice (once), and an
    account already suspended gets no order at all.

    :raises InvalidCollectionsFrame: if a frame lacks a column or the answers do not line up.
    """
    _check(candidates, CANDIDATES, "candidates")
    _check(answers, ANSWERS, "answers")
    _check(history, HISTORY, "history")
    if answers.height != candidates.height:
        raise InvalidCollectionsFrame("Every candidate needs exactly one answer")
    asked = pl.concat(
        [candidates.select(list(CANDIDATES)), answers.select(list(ANSWERS))], how="horizontal"
    ).filter(pl.col("action").is_in(list(ACTION_STEPS)))
    noticed_by = as_of - timedelta(days=ladder.notice_days)
    notices = (
        history.filter(pl.col("kind") == StepKind.SUSPENSION_NOTICE.value)
        .group_by("account_id", "episode")
        .agg(pl.col("as_of").min().alias("noticed_on"))
    )
    planned = (
        asked.join(notices, on=["account_id", "episode"], how="left")
        .with_columns(
            kind=pl.when(pl.col("action") != "SUSPEND")
            .then(pl.col("action").replace_strict({a: s.value for a, s in ACTION_STEPS.items()}))
            .when(pl.col("suspended"))
            .then(pl.lit(None, pl.String))
            .when(pl.col("noticed_on").is_not_null() & (pl.col("noticed_on") <= noticed_by))
            .then(pl.lit(StepKind.SUSPENSION_ORDER.value))
            .otherwise(pl.lit(StepKind.SUSPENSION_NOTICE.value))
        )
        .filter(pl.col("kind").is_not_null())
    )
    return _new(planned, history)


# Accounts suspended (or about to be) for debt, with the suspension order that did it.
SUSPENSIONS = {
    "account_id": pl.String(),
    "order_id": pl.String(),
    "pending": pl.Boolean(),  # the order is not yet carried out
}


def plan_release(
    *, suspensions: pl.DataFrame, still_owing: pl.DataFrame, history: pl.DataFrame
) -> pl.DataFrame:
    """
    What to undo for accounts whose suspension for debt is no longer due: those that no longer
    owe (not in ``still_owing``: paid, or kept to an arrangement) get a reconnection order if
    the suspension was carried out, or their pending suspension order cancelled. Each once per
    suspension order (the episode is the order's id).

    :raises InvalidCollectionsFrame: if a frame lacks a column.
    """
    _check(suspensions, SUSPENSIONS, "suspensions")
    _check(still_owing, {"account_id": pl.String()}, "still owing")
    _check(history, HISTORY, "history")
    released = suspensions.join(still_owing.select("account_id"), on="account_id", how="anti")
    planned = released.select(
        pl.col("account_id"),
        pl.col("order_id").alias("episode"),
        pl.when(pl.col("pending"))
        .then(pl.lit(StepKind.CANCEL_SUSPENSION.value))
        .otherwise(pl.lit(StepKind.RECONNECTION_ORDER.value))
        .alias("kind"),
        pl.lit("PAID_OR_ARRANGED").alias("reason"),
        pl.lit(False).alias("protected"),
        pl.lit(0, pl.Int64).alias("days_overdue"),
        pl.lit(0, pl.Decimal(38, 2)).alias("amount_overdue"),
    )
    return _new(planned, history)
