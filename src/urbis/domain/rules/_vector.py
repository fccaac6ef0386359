"""
Keys that decide a graph's answer, computed for a whole frame with Polars (ADR 0034).

A graph of expression nodes feeding one decision table, whose answers are constants, answers
every input the way the table's matching rules say; which rules match depends only on where
each table column's value falls among the constants its cells compare it with (numbers) or on
the value itself (text, true/false). When the table's columns and the expressions they read
are written in a small, well-understood part of the expression language (arithmetic,
comparisons, ``and``/``or``/``not``, ``? :``, null tests), those values are computed here for
every row at once, each row is mapped to its *decision key*, and the engine is asked once per
distinct key, with one of its rows.

Computed numbers are binary floats here and exact decimals in the engine, so a row whose float
is within a billionth (relative) of a constant it is compared with, that divides by zero, or
that meets a null where the language would not test for one is *uncertain*: it is keyed by its
own inputs and asked as it is. The engine decides every boundary; this module only groups rows
that cannot differ.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Union

import attrs
import polars as pl

from urbis.domain.rules._graph import (
    _BARE_DOLLAR,
    EXPRESSION_NODE,
    INPUT_NODE,
    OUTPUT_NODE,
    TABLE_NODE,
    _cell_cuts,
    names_in,
    parse_graph,
)
from urbis.domain.rules._points import CATALOGUE, ExtensionPoint, extension_point
from urbis.domain.rules._schemas import FieldType

MARGIN = 1e-9
"""Relative distance to a constant under which a computed number is asked as it is."""

# --- a small part of the expression language, parsed ---------------------------------------------


@attrs.frozen
class Literal:
    value: Decimal | str | bool | None


@attrs.frozen
class Name:
    name: str


@attrs.frozen
class Unary:
    op: str  # "-" or "not"
    operand: Expr


@attrs.frozen
class Binary:
    op: str  # + - * / == != < > <= >= and or
    left: Expr
    right: Expr


@attrs.frozen
class Ternary:
    condition: Expr
    then: Expr
    otherwise: Expr


Expr = Union[Literal, Name, Unary, Binary, Ternary]  # noqa: UP007 (forward references)


class Unsupported(Exception):
    """The text uses more of the language than this module computes; the engine is asked."""


_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>'(?:[^'\\])*'|\"(?:[^\"\\])*\")"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>==|!=|<=|>=|&&|\|\||[-+*/<>()?:!]))"
)
_KEYWORDS = {"and": "and", "or": "or", "not": "not", "&&": "and", "||": "or", "!": "not"}


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise Unsupported(text)
        position = match.end()
        kind = match.lastgroup or ""
        token = match.group(kind)
        if kind == "name" and token in _KEYWORDS:
            kind, token = "op", _KEYWORDS[token]
        elif kind == "op" and token in _KEYWORDS:
            token = _KEYWORDS[token]
        found.append((kind, token))
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise Unsupported("unexpected end")
        token = self.tokens[self.at]
        if expected is not None and token != ("op", expected):
            raise Unsupported(f"expected {expected}")
        self.at += 1
        return token

    def parse(self) -> Expr:
        expression = self.ternary()
        if self.at != len(self.tokens):
            raise Unsupported("trailing text")
        return expression

    def ternary(self) -> Expr:
        condition = self.binary(0)
        if self.peek() == "?":
            self.take("?")
            then = self.ternary()
            self.take(":")
            return Ternary(condition, then, self.ternary())
        return condition

    _LEVELS = (("or",), ("and",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/"))

    def binary(self, level: int) -> Expr:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.at < len(self.tokens) and self.tokens[self.at][0] == "op":
            op = self.tokens[self.at][1]
            if op not in self._LEVELS[level]:
                break
            self.take()
            left = Binary(op, left, self.binary(level + 1))
        return left

    def unary(self) -> Expr:
        if self.peek() in ("-", "not"):
            op = self.take()[1]
            return Unary(op, self.unary())
        kind, token = self.take()
        if kind == "number":
            return Literal(Decimal(token))
        if kind == "string":
            return Literal(token[1:-1])
        if kind == "name":
            if token in ("true", "false"):
                return Literal(token == "true")
            if token == "null":
                return Literal(None)
            if self.peek() in ("(", "["):
                raise Unsupported("function call")
            return Name(token)
        if token == "(":
            inner = self.ternary()
            self.take(")")
            return inner
        raise Unsupported(token)


def parse_expression(text: str) -> Expr:
    """
    Parse an expression written in the part of the language computed here.

    :raises Unsupported: if it uses anything else (functions, members, ranges, ``$``, ...).
    """
    return _Parser(text).parse()


# --- computed with Polars, with the rows whose answer the floats cannot decide -------------------

NUMBER, TEXT, TRUTH = "number", "text", "truth"


@attrs.frozen
class Computed:
    """An expression over a frame: its value, its kind, and the rows it cannot decide."""

    value: pl.Expr
    kind: str
    uncertain: pl.Expr


def _near(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    scale = pl.max_horizontal(pl.lit(1.0), a.abs(), b.abs())
    return (a - b).abs() <= scale * MARGIN


def compile_expression(expression: Expr, names: Mapping[str, Computed]) -> Computed:
    """
    An expression as Polars over a frame whose names are given (fields or computed names).

    :raises Unsupported: if it reads an unknown name or mixes kinds.
    """
    no = pl.lit(value=False)
    if isinstance(expression, Literal):
        value = expression.value
        if isinstance(value, bool):
            return Computed(pl.lit(value), TRUTH, no)
        if isinstance(value, Decimal):
            return Computed(pl.lit(float(value)), NUMBER, no)
        if isinstance(value, str):
            return Computed(pl.lit(value), TEXT, no)
        raise Unsupported("null outside a null test")
    if isinstance(expression, Name):
        if expression.name not in names:
            raise Unsupported(expression.name)
        return names[expression.name]
    if isinstance(expression, Unary):
        operand = compile_expression(expression.operand, names)
        unsure = operand.uncertain | operand.value.is_null()
        if expression.op == "-" and operand.kind == NUMBER:
            return Computed(-operand.value, NUMBER, unsure)
        if expression.op == "not" and operand.kind == TRUTH:
            return Computed(~operand.value, TRUTH, unsure)
        raise Unsupported(expression.op)
    if isinstance(expression, Ternary):
        condition = compile_expression(expression.condition, names)
        then = compile_expression(expression.then, names)
        otherwise = compile_expression(expression.otherwise, names)
        if condition.kind != TRUTH or then.kind != otherwise.kind:
            raise Unsupported("? :")
        taken = condition.value.fill_null(value=False)
        return Computed(
            pl.when(taken).then(then.value).otherwise(otherwise.value),
            then.kind,
            condition.uncertain
            | condition.value.is_null()
            | pl.when(taken).then(then.uncertain).otherwise(otherwise.uncertain),
        )
    return _binary(expression, names)


def _null_test(expression: Binary, names: Mapping[str, Computed]) -> Computed | None:
    if expression.op not in ("==", "!=") or Literal(None) not in (
        expression.left,
        expression.right,
    ):
        return None
    other = expression.right if expression.left == Literal(None) else expression.left
    tested = compile_expression(other, names)
    value = tested.value.is_null() if expression.op == "==" else tested.value.is_not_null()
    return Computed(value, TRUTH, tested.uncertain)


def _binary(expression: Binary, names: Mapping[str, Computed]) -> Computed:
    null_test = _null_test(expression, names)
    if null_test is not None:
        return null_test
    left = compile_expression(expression.left, names)
    right = compile_expression(expression.right, names)
    op = expression.op
    if op in ("and", "or"):
        if left.kind != TRUTH or right.kind != TRUTH:
            raise Unsupported(op)
        # the right side is read only when the left does not decide (short circuit)
        reads_right = left.value.fill_null(value=False)
        if op == "or":
            reads_right = ~left.value.fill_null(value=True)
        value = left.value & right.value if op == "and" else left.value | right.value
        return Computed(
            value,
            TRUTH,
            left.uncertain
            | left.value.is_null()
            | (reads_right & (right.uncertain | right.value.is_null())),
        )
    unsure = left.uncertain | right.uncertain | left.value.is_null() | right.value.is_null()
    if op in ("+", "-", "*", "/"):
        if left.kind != NUMBER or right.kind != NUMBER:
            raise Unsupported(op)
        if op == "/":
            return Computed(left.value / right.value, NUMBER, unsure | (right.value == 0))
        value = {"+": left.value + right.value, "-": left.value - right.value}.get(
            op, left.value * right.value
        )
        return Computed(value, NUMBER, unsure)
    if left.kind != right.kind:
        raise Unsupported(op)
    if left.kind == NUMBER:
        unsure = unsure | _near(left.value, right.value)
    elif op not in ("==", "!="):
        raise Unsupported(op)
    compared = {
        "==": left.value == right.value,
        "!=": left.value != right.value,
        "<": left.value < right.value,
        ">": left.value > right.value,
        "<=": left.value <= right.value,
    }.get(op, left.value >= right.value)
    return Computed(compared, TRUTH, unsure)


# --- the plan: which graphs qualify, and their decision keys -------------------------------------


@attrs.frozen
class Column:
    """One input column of the deciding table: what it reads and how its values are keyed."""

    id: str
    expression: Expr
    cuts: tuple[Decimal, ...] | None
    """The constants its cells compare it with (numbers); None: keyed by its value."""


@attrs.frozen
class TablePlan:
    """A graph whose answer is decided by one table's columns, computed for a frame at once."""

    node_id: str
    node_name: str
    computed: tuple[tuple[str, Expr], ...]
    """Names expression nodes compute, in the order they can be computed."""
    columns: tuple[Column, ...]


def _field_kind(field_type: FieldType) -> str:
    if field_type is FieldType.STRING:
        return TEXT
    if field_type is FieldType.BOOLEAN:
        return TRUTH
    return NUMBER


def _kinds(point: ExtensionPoint) -> dict[str, str]:
    return {f.name: _field_kind(f.type) for f in point.input.fields}


def table_plan(*, content: str, point: ExtensionPoint) -> TablePlan | None:
    """
    The plan that decides this graph's answers per decision key, or None if it does not qualify.

    Qualifies: one input node, expression nodes (read by the table only), one decision table
    that alone feeds the output node, whose every answer cell is a constant, whose numeric
    columns' cells only compare with numbers and whose other columns' cells read only ``$``;
    every expression and column written in the part of the language this module computes.
    """
    if CATALOGUE.get(point.key) is not point:  # a question made up by a test: not cached
        return _planned(content, point)
    return _cached_plan(content, point.key)


@functools.lru_cache(maxsize=64)
def _cached_plan(content: str, key: str) -> TablePlan | None:
    """A run asks every batch with the same version: its plan is read once."""
    return _planned(content, extension_point(key=key))


def _planned(content: str, point: ExtensionPoint) -> TablePlan | None:
    try:
        return _plan(content, point)
    except Unsupported:
        return None


def _plan(content: str, point: ExtensionPoint) -> TablePlan | None:
    try:
        graph = parse_graph(content=content)
    except ValueError:
        return None
    by_type: dict[str, list[str]] = {}
    for node in graph.nodes:
        by_type.setdefault(node.type, []).append(node.id)
    allowed = {INPUT_NODE, OUTPUT_NODE, TABLE_NODE, EXPRESSION_NODE}
    if set(by_type) - allowed or any(
        len(by_type.get(t, ())) != 1 for t in allowed - {EXPRESSION_NODE}
    ):
        return None
    table = graph.node(by_type[TABLE_NODE][0])
    if table is None or not isinstance(table.content, dict) or table.content.get("passThrough"):
        return None
    parents: dict[str, set[str]] = {n.id: set() for n in graph.nodes}
    for source, target in graph.edges:
        parents.setdefault(target, set()).add(source)
    input_id, output_id = by_type[INPUT_NODE][0], by_type[OUTPUT_NODE][0]
    if parents.get(output_id) != {table.id}:
        return None
    kinds = _kinds(point)
    computed: list[tuple[str, Expr]] = []
    available: set[str] = set()
    expression_ids = by_type.get(EXPRESSION_NODE, [])
    for node_id in expression_ids:
        expression_node = graph.node(node_id)
        if expression_node is None or parents[node_id] != {input_id}:
            return None
        body = expression_node.content
        if not isinstance(body, dict) or body.get("passThrough"):
            return None
        for item in body.get("expressions", []) or []:
            key, text = str(item.get("key", "")), str(item.get("value", ""))
            if not key.isidentifier() or key in kinds:
                return None
            computed.append((key, parse_expression(text)))
            available.add(key)
    if not parents[table.id] <= {input_id, *expression_ids}:
        return None
    received = (set(kinds) if input_id in parents[table.id] else set()) | available
    columns: list[Column] = []
    rules = [r for r in table.content.get("rules", []) or [] if isinstance(r, dict)]
    output_ids = {
        str(c.get("id")) for c in table.content.get("outputs", []) or [] if isinstance(c, dict)
    }
    for rule in rules:
        for column_id in output_ids:
            cell = str(rule.get(column_id, "") or "")
            if not isinstance(parse_expression(cell), Literal):
                return None
    for raw in table.content.get("inputs", []) or []:
        if not isinstance(raw, dict) or not raw.get("field"):
            return None
        expression = parse_expression(str(raw["field"]))
        if any(n not in received for n in _names(expression)):
            return None
        column_id = str(raw.get("id"))
        cells = [str(r.get(column_id, "") or "").strip() for r in rules]
        if any(names_in(_BARE_DOLLAR.sub("", c)) for c in cells):
            return None  # a cell reads another field: the column's value alone does not decide
        cuts: set[Decimal] = set()
        numeric = _kind_of(expression, kinds, dict(computed)) == NUMBER
        for cell in cells:
            found = _cell_cuts(cell) if numeric else []
            if found is None:
                return None
            cuts.update(found)
        columns.append(
            Column(
                id=column_id, expression=expression, cuts=tuple(sorted(cuts)) if numeric else None
            )
        )
    return TablePlan(
        node_id=table.id, node_name=table.name, computed=tuple(computed), columns=tuple(columns)
    )


def _names(expression: Expr) -> set[str]:
    if isinstance(expression, Name):
        return {expression.name}
    if isinstance(expression, Unary):
        return _names(expression.operand)
    if isinstance(expression, Binary):
        return _names(expression.left) | _names(expression.right)
    if isinstance(expression, Ternary):
        return _names(expression.condition) | _names(expression.then) | _names(expression.otherwise)
    return set()


def _kind_of(expression: Expr, kinds: Mapping[str, str], computed: Mapping[str, Expr]) -> str:
    names: dict[str, Computed] = {
        n: Computed(pl.lit(None), k, pl.lit(value=False)) for n, k in kinds.items()
    }
    for name, body in computed.items():
        names[name] = compile_expression(body, names)
    return compile_expression(expression, names).kind


@attrs.frozen
class DecisionKeys:
    """Per row of a frame: the key of each table column, and whether the row is uncertain."""

    keys: pl.DataFrame
    uncertain: pl.Series


def decision_keys(*, plan: TablePlan, point: ExtensionPoint, frame: pl.DataFrame) -> DecisionKeys:
    """
    Each row's decision key: per table column, the interval of its value among the column's
    constants (numbers) or the value itself; rows the floats cannot decide are flagged.

    :raises Unsupported: if the frame's columns do not have the kinds the question declares.
    """
    kinds = _kinds(point)
    names: dict[str, Computed] = {}
    for name, kind in kinds.items():
        if name not in frame.columns:
            names[name] = Computed(pl.lit(None), kind, pl.lit(value=False))
            continue
        dtype = frame.schema[name]
        fits = {
            NUMBER: dtype.is_numeric() or isinstance(dtype, pl.Decimal),
            TEXT: dtype == pl.String,
            TRUTH: dtype == pl.Boolean,
        }[kind]
        if not fits and dtype != pl.Null:
            raise Unsupported(f"{name} is {dtype}")
        value = pl.col(name).cast(pl.Float64) if kind == NUMBER else pl.col(name)
        names[name] = Computed(value, kind, pl.lit(value=False))
    for name, body in plan.computed:
        names[name] = compile_expression(body, names)
    keys: list[pl.Expr] = []
    uncertain: list[pl.Expr] = []
    for index, column in enumerate(plan.columns):
        alias = f"__k{index}"
        exact = _exact_field(column.expression, kinds, frame)
        if column.cuts is None:
            found = compile_expression(column.expression, names)
            keys.append(found.value.cast(pl.String).alias(alias))
            uncertain.append(found.uncertain)
        elif exact is not None:
            keys.append(_interval(pl.col(exact), frame.schema[exact], column.cuts).alias(alias))
        else:
            found = compile_expression(column.expression, names)
            value = found.value
            near = pl.any_horizontal(
                [_near(value, pl.lit(float(c))) for c in column.cuts] or [pl.lit(value=False)]
            )
            below = pl.sum_horizontal(
                [(value > float(c)).cast(pl.Int64) for c in column.cuts] or [pl.lit(0)]
            )
            keys.append((below * 2).alias(alias))
            uncertain.append(
                found.uncertain | value.is_null() | value.is_nan() | value.is_infinite() | near
            )
    flag = pl.any_horizontal(uncertain).fill_null(value=True) if uncertain else pl.lit(value=False)
    result = (
        frame.select(*keys, flag.alias("__uncertain"))
        if keys
        else frame.select(flag.alias("__uncertain"))
    )
    return DecisionKeys(keys=result.drop("__uncertain"), uncertain=result.get_column("__uncertain"))


def _exact_field(expression: Expr, kinds: Mapping[str, str], frame: pl.DataFrame) -> str | None:
    """The request field a column reads as it is, when its values compare exactly."""
    if not isinstance(expression, Name) or kinds.get(expression.name) != NUMBER:
        return None
    dtype = frame.schema.get(expression.name)
    if dtype is None or not (dtype.is_integer() or isinstance(dtype, pl.Decimal)):
        return None
    return expression.name


def _scale(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _interval(column: pl.Expr, dtype: pl.DataType, cuts: tuple[Decimal, ...]) -> pl.Expr:
    """The id of the interval between constants a value falls in (on a constant: odd ids)."""
    if not cuts:
        return pl.lit(0, dtype=pl.Int64)
    if dtype.is_integer() and all(c == c.to_integral_value() for c in cuts):
        value, literals = column, [pl.lit(int(c), dtype=dtype) for c in cuts]
    else:
        scale = dtype.scale if isinstance(dtype, pl.Decimal) else 0
        exact = pl.Decimal(38, max([scale or 0, *(_scale(c) for c in cuts)]))
        value, literals = column.cast(exact), [pl.lit(c, dtype=exact) for c in cuts]
    below = pl.sum_horizontal([(value > c).cast(pl.Int64) for c in literals])
    on = pl.any_horizontal([value == c for c in literals]).cast(pl.Int64)
    return pl.when(column.is_not_null()).then(below * 2 + on)
