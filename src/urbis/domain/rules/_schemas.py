"""Typed schemas for the questions the system asks rule packs, and their answers."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import polars as pl

from urbis.kernel import errors

Value = str | int | Decimal | bool | None


class InvalidRuleInput(errors.InvalidValue):
    code = "invalid_rule_input"


class InvalidRuleOutput(errors.InvalidValue):
    code = "invalid_rule_output"


class FieldType(enum.Enum):
    STRING = "STRING"
    INTEGER = "INTEGER"
    DECIMAL = "DECIMAL"
    BOOLEAN = "BOOLEAN"


@attrs.frozen
class Field:
    """One named, typed value of a question or an answer."""

    name: str
    type: FieldType
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    scale: int = 6
    """Decimal places kept for a DECIMAL field in frames (batch evaluation)."""

    def polars_type(self) -> pl.DataType:
        """The column type this field takes in a frame."""
        if self.type is FieldType.STRING:
            return pl.String()
        if self.type is FieldType.INTEGER:
            return pl.Int64()
        if self.type is FieldType.BOOLEAN:
            return pl.Boolean()
        return pl.Decimal(38, self.scale)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description of the field (for editors and API documentation)."""
        picture: dict[str, Any] = {
            "name": self.name,
            "type": self.type.value,
            "required": self.required,
            "description": self.description,
        }
        if self.choices:
            picture["choices"] = list(self.choices)
        if self.minimum is not None:
            picture["minimum"] = str(self.minimum)
        if self.maximum is not None:
            picture["maximum"] = str(self.maximum)
        return picture


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # an engine answers JSON numbers as floats; the shortest repr is the decimal it meant
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        try:
            parsed = Decimal(value)
        except InvalidOperation:
            return None
        return parsed if parsed.is_finite() else None
    return None


def _coerce(field: Field, value: object) -> tuple[Value, str | None]:
    """The value in the field's type, or a sentence saying why it does not fit."""
    if field.type is FieldType.STRING:
        if not isinstance(value, str):
            return None, "must be text"
        if field.choices and value not in field.choices:
            return None, "must be one of " + ", ".join(field.choices)
        return value, None
    if field.type is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            return None, "must be true or false"
        return value, None
    number = _as_decimal(value)
    if number is None:
        return None, "must be a number"
    if field.minimum is not None and number < field.minimum:
        return None, f"must be at least {field.minimum}"
    if field.maximum is not None and number > field.maximum:
        return None, f"must be at most {field.maximum}"
    if field.type is FieldType.INTEGER:
        if number != number.to_integral_value():
            return None, "must be a whole number"
        return int(number), None
    return number, None


@attrs.frozen
class Schema:
    """The fields of a question or an answer."""

    fields: tuple[Field, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        """
        Return one field by name.

        :raises KeyError: if the schema has no such field.
        """
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def describe(self) -> list[dict[str, Any]]:
        """A JSON-ready description of every field."""
        return [f.describe() for f in self.fields]

    def problems(self, values: Mapping[str, object], *, strict: bool) -> tuple[str, ...]:
        """
        Every way the values fail this schema (empty when they fit).

        With ``strict``, names the schema does not know are problems too.
        """
        found: list[str] = []
        for field in self.fields:
            value = values.get(field.name)
            if value is None:
                if field.required:
                    found.append(f"{field.name}: is required")
                continue
            _, why = _coerce(field, value)
            if why is not None:
                found.append(f"{field.name}: {why} (got {value!r})")
        if strict:
            found.extend(
                f"{name}: is not a field of this question"
                for name in values
                if name not in self.names
            )
        return tuple(found)

    def coerce(self, values: Mapping[str, object]) -> dict[str, Value]:
        """The schema's fields, each in its type (missing optional fields as ``None``)."""
        result: dict[str, Value] = {}
        for field in self.fields:
            value = values.get(field.name)
            result[field.name] = None if value is None else _coerce(field, value)[0]
        return result


def check_input(*, schema: Schema, values: Mapping[str, object], question: str) -> dict[str, Value]:
    """
    Check a question's input against its schema and return it in the schema's types.

    :raises InvalidRuleInput: naming every field that is missing, unknown or of the wrong type.
    """
    found = schema.problems(values, strict=True)
    if found:
        raise InvalidRuleInput(
            f"Input for {question} does not fit its schema: " + "; ".join(found),
            details={"question": question, "problems": list(found)},
        )
    return schema.coerce(values)


def check_output(
    *, schema: Schema, values: Mapping[str, object], question: str, source: str
) -> dict[str, Value]:
    """
    Check an answer against its schema and keep only the schema's fields, in their types.

    Intermediate values a graph computes on the way are dropped; a missing required field is an
    error, never filled with a default.

    :raises InvalidRuleOutput: naming the source (pack and version) and every problem.
    """
    found = schema.problems(values, strict=False)
    if found:
        raise InvalidRuleOutput(
            f"{source} answered {question} with an output that does not fit its schema: "
            + "; ".join(found),
            details={"question": question, "source": source, "problems": list(found)},
        )
    return schema.coerce(values)
