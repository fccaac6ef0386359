"""
Asking a pack version its question: one input, a frame of inputs, or its saved test cases.

A frame is answered once per distinct combination of the inputs the graph reads, and the
answers are joined back: a bill run of a million accounts asks a subsidy table a few dozen
times, not a million.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import polars as pl

from urbis.application.rules import ports
from urbis.domain import rules


def _answers(
    *,
    engine: ports.RuleEngine,
    pack: rules.PackVersion,
    point: rules.ExtensionPoint,
    contexts: Sequence[Mapping[str, rules.Value]],
) -> list[dict[str, rules.Value]]:
    raw = engine.evaluate(pack=pack, contexts=contexts)
    answers: list[dict[str, rules.Value]] = []
    for context, answer in zip(contexts, raw, strict=True):
        try:
            answers.append(
                rules.check_output(
                    schema=point.output, values=answer, question=point.key, source=pack.label
                )
            )
        except rules.InvalidRuleOutput as exc:
            raise _explained(engine=engine, pack=pack, context=context, error=exc) from None
    return answers


def _explained(
    *,
    engine: ports.RuleEngine,
    pack: rules.PackVersion,
    context: Mapping[str, rules.Value],
    error: rules.InvalidRuleOutput,
) -> rules.RuleEvaluationFailed:
    """An incomplete answer as an evaluation failure naming the node that gave nothing."""
    trace = engine.trace(pack=pack, context=context)
    silent = [node for node in trace if node.type == "decisionTableNode" and not node.output]
    where = (
        "; decision table "
        + ", ".join(f"{n.name!r} ({n.node_id})" for n in silent)
        + " matched no rule"
        if silent
        else ""
    )
    if not silent and trace and trace[-1].type == "switchNode":
        # the evaluation ended at a switch: none of its conditions held for this input
        silent = [trace[-1]]
        where = f"; switch {silent[0].name!r} ({silent[0].node_id}) took no branch"
    return rules.RuleEvaluationFailed(
        error.message + where,
        details={
            "pack_key": pack.pack_key,
            "version": pack.version,
            "node_id": silent[0].node_id if silent else None,
            "node": silent[0].name if silent else None,
            "input": {k: str(v) if v is not None else None for k, v in context.items()},
            "problems": error.details.get("problems", []),
        },
    )


def answer_one(
    *, engine: ports.RuleEngine, pack: rules.PackVersion, values: Mapping[str, Any]
) -> dict[str, rules.Value]:
    """
    Answer one input with one version, checked against the question's schemas.

    :raises InvalidRuleInput: if the input does not fit the question.
    :raises RuleEvaluationFailed: if the graph fails or answers incompletely (naming the node).
    """
    point = rules.extension_point(key=pack.extension_point)
    context = rules.check_input(schema=point.input, values=values, question=point.key)
    return _answers(engine=engine, pack=pack, point=point, contexts=[context])[0]


def answer_frame(
    *,
    engine: ports.RuleEngine,
    pack: rules.PackVersion,
    frame: pl.DataFrame,
    by_decision_key: bool = True,
) -> pl.DataFrame:
    """
    Answer every row of a frame: once per distinct combination of the inputs the graph reads.

    A graph decided by one table (``rules.table_plan``) is asked once per distinct decision key
    instead (ADR 0034); ``by_decision_key=False`` turns that off (benchmarks compare the two).

    Returns the answers (the output schema's columns, typed) in the frame's row order. Columns
    the graph does not read may be absent; optional inputs it reads may be absent too (null).

    :raises InvalidRuleInput: if a column the graph reads is missing or holds values that do
        not fit the question.
    :raises RuleEvaluationFailed: if the graph fails or answers incompletely (naming the node).
    """
    point = rules.extension_point(key=pack.extension_point)
    keys = rules.referenced_inputs(content=pack.content, point=point)
    missing = [k for k in keys if k not in frame.columns and point.input.field(k).required]
    if missing:
        raise rules.InvalidRuleInput(
            f"{pack.label} reads {', '.join(missing)}, which the frame does not have",
            details={"missing": missing},
        )
    source = frame.with_columns(
        pl.lit(None, dtype=point.input.field(k).polars_type()).alias(k)
        for k in keys
        if k not in frame.columns
    ).select(keys)
    plan = rules.table_plan(content=pack.content, point=point) if by_decision_key else None
    if plan is not None and keys:
        return _answer_by_plan(engine=engine, pack=pack, point=point, plan=plan, source=source)
    keyed, values_of = _by_interval(
        source, point, rules.comparison_cuts(content=pack.content, point=point)
    )
    distinct = keyed.unique(maintain_order=True) if keys else pl.DataFrame([{}])
    asked = distinct
    for name, values in values_of.items():  # interval ids back to a value of each interval
        asked = (
            asked.join(
                values, left_on=name, right_on="__interval", how="left", maintain_order="left"
            )
            .drop(name)
            .rename({f"{name}__value": name})
        )
    contexts = asked.select(keys).to_dicts() if keys else [{}]
    subschema = rules.Schema(fields=tuple(point.input.field(k) for k in keys))
    for context in contexts:
        problems = subschema.problems(context, strict=False)
        if problems:
            raise rules.InvalidRuleInput(
                f"Input for {point.key} does not fit its schema: " + "; ".join(problems),
                details={"question": point.key, "problems": list(problems)},
            )
    answers = _answers(engine=engine, pack=pack, point=point, contexts=contexts)
    schema = {f.name: f.polars_type() for f in point.output.fields}
    table = (
        pl.DataFrame(answers, schema=schema, orient="row")
        if answers
        else pl.DataFrame(schema=schema)
    )
    if not keys:  # the answer does not depend on the input: one answer for every row
        return pl.select(
            pl.repeat(answers[0][name], frame.height, dtype=dtype).alias(name)
            for name, dtype in schema.items()
        )
    lookup = pl.concat([distinct, table], how="horizontal")
    joined = keyed.join(lookup, on=list(keys), how="left", nulls_equal=True, maintain_order="left")
    return joined.select(list(schema))


def _answer_by_plan(
    *,
    engine: ports.RuleEngine,
    pack: rules.PackVersion,
    point: rules.ExtensionPoint,
    plan: rules.TablePlan,
    source: pl.DataFrame,
) -> pl.DataFrame:
    """
    Answer a frame once per distinct decision key of its deciding table (ADR 0034): rows the
    keys cannot decide are keyed by their own inputs; each key is asked with its first row.
    """
    keys = tuple(source.columns)
    problems = [p for k in keys for p in _whole_column_problems(source, point.input.field(k))]
    if problems:
        raise rules.InvalidRuleInput(
            f"Input for {point.key} does not fit its schema: " + "; ".join(problems),
            details={"question": point.key, "problems": problems},
        )
    try:
        decided = rules.decision_keys(plan=plan, point=point, frame=source)
    except rules.UnsupportedExpression:
        return _answer_distinct(engine=engine, pack=pack, point=point, source=source)
    unsure = decided.uncertain
    key_names = [*decided.keys.columns, *(f"__raw_{k}" for k in keys), "__uncertain"]
    keyed = pl.concat(
        [
            decided.keys.with_columns(
                pl.when(~unsure).then(pl.col(c)) for c in decided.keys.columns
            ),
            source.select(pl.when(unsure).then(pl.col(k)).alias(f"__raw_{k}") for k in keys),
            pl.DataFrame([unsure.alias("__uncertain")]),
        ],
        how="horizontal",
    ).with_row_index("__row")
    firsts = keyed.group_by(key_names, maintain_order=True).agg(pl.col("__row").first())
    rows = firsts.get_column("__row")
    contexts = source[rows].to_dicts()
    subschema = rules.Schema(fields=tuple(point.input.field(k) for k in keys))
    for context in contexts:
        found = subschema.problems(context, strict=False)
        if found:
            raise rules.InvalidRuleInput(
                f"Input for {point.key} does not fit its schema: " + "; ".join(found),
                details={"question": point.key, "problems": list(found)},
            )
    answers = _answers(engine=engine, pack=pack, point=point, contexts=contexts)
    schema = {f.name: f.polars_type() for f in point.output.fields}
    table = pl.DataFrame(answers, schema=schema, orient="row")
    lookup = pl.concat([firsts.drop("__row"), table], how="horizontal")
    joined = keyed.join(lookup, on=key_names, how="left", nulls_equal=True, maintain_order="left")
    return joined.select(list(schema))


def _answer_distinct(
    *,
    engine: ports.RuleEngine,
    pack: rules.PackVersion,
    point: rules.ExtensionPoint,
    source: pl.DataFrame,
) -> pl.DataFrame:
    """Answer once per distinct combination of the inputs read (no intervals)."""
    distinct = source.unique(maintain_order=True)
    contexts = distinct.to_dicts()
    answers = _answers(engine=engine, pack=pack, point=point, contexts=contexts)
    schema = {f.name: f.polars_type() for f in point.output.fields}
    lookup = pl.concat(
        [distinct, pl.DataFrame(answers, schema=schema, orient="row")], how="horizontal"
    )
    joined = source.join(
        lookup, on=list(source.columns), how="left", nulls_equal=True, maintain_order="left"
    )
    return joined.select(list(schema))


def _whole_column_problems(frame: pl.DataFrame, field: rules.Field) -> list[str]:
    """A column's values against its field, all rows at once (ranges, required, choices)."""
    if field.type in (rules.FieldType.INTEGER, rules.FieldType.DECIMAL):
        dtype = frame.schema[field.name]
        if dtype.is_numeric() or isinstance(dtype, pl.Decimal):
            return _column_problems(frame, field)
        return []
    column = frame.get_column(field.name)
    found: list[str] = []
    if field.required and column.null_count():
        found.append(f"{field.name}: is required ({column.null_count()} rows have none)")
    if field.choices and column.dtype == pl.String:
        seen = column.drop_nulls().unique()
        outside = seen.filter(~seen.is_in(list(field.choices)))
        if outside.len():
            found.append(
                f"{field.name}: must be one of {', '.join(field.choices)} "
                f"(got {', '.join(sorted(str(v) for v in outside.to_list())[:5])})"
            )
    return found


def _scale(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _column_problems(frame: pl.DataFrame, field: rules.Field) -> list[str]:
    """The ways a whole numeric column fails its field, checked without leaving Polars."""
    column = frame.get_column(field.name)
    found: list[str] = []
    if field.required and column.null_count():
        found.append(f"{field.name}: is required ({column.null_count()} rows have none)")
    low, high = column.min(), column.max()
    if field.minimum is not None and low is not None and Decimal(str(low)) < field.minimum:
        found.append(f"{field.name}: must be at least {field.minimum} (got {low!s})")
    if field.maximum is not None and high is not None and Decimal(str(high)) > field.maximum:
        found.append(f"{field.name}: must be at most {field.maximum} (got {high!s})")
    return found


def _by_interval(
    source: pl.DataFrame, point: rules.ExtensionPoint, cuts: Mapping[str, tuple[Decimal, ...]]
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """
    Replace each input the graph only compares with constants by the id of its interval
    between those constants, and give, per such input, one value of each interval.

    Rows in the same intervals get the same answer, so far fewer combinations are asked.
    Returns the keyed frame and, per replaced input, a frame ``__interval -> <name>__value``.

    :raises InvalidRuleInput: if a replaced column holds values outside its field's range.
    """
    keyed: list[pl.Series] = []
    values_of: dict[str, pl.DataFrame] = {}
    problems: list[str] = []
    for name, constants in cuts.items():
        dtype = source.schema.get(name)
        field = point.input.field(name)
        if dtype is None or not constants:
            continue
        if field.type is rules.FieldType.INTEGER and not dtype.is_integer():
            continue
        if not (dtype.is_integer() or isinstance(dtype, pl.Decimal)):
            continue  # floats keep their distinct values: no exact comparison here
        problems.extend(_column_problems(source, field))
        if dtype.is_integer() and all(c == c.to_integral_value() for c in constants):
            value, literals = pl.col(name), [pl.lit(int(c), dtype=dtype) for c in constants]
        else:
            column_scale = dtype.scale if isinstance(dtype, pl.Decimal) else 0
            exact = pl.Decimal(38, max([column_scale or 0, *(_scale(c) for c in constants)]))
            value, literals = pl.col(name).cast(exact), [pl.lit(c, dtype=exact) for c in constants]
        below = pl.sum_horizontal([(value > c).cast(pl.Int32) for c in literals])
        on = pl.any_horizontal([value == c for c in literals]).cast(pl.Int32)
        interval = pl.when(pl.col(name).is_not_null()).then(below * 2 + on).alias(name)
        ids = source.select(interval).get_column(name)
        keyed.append(ids)
        values_of[name] = (
            source.select(ids.alias("__interval"), pl.col(name).alias(f"{name}__value"))
            .group_by("__interval")
            .agg(pl.col(f"{name}__value").min())
        )
    if problems:
        raise rules.InvalidRuleInput(
            f"Input for {point.key} does not fit its schema: " + "; ".join(problems),
            details={"question": point.key, "problems": problems},
        )
    return (source.with_columns(keyed) if keyed else source), values_of


def run_tests(*, engine: ports.RuleEngine, pack: rules.PackVersion) -> rules.TestReport:
    """Check a version's graph (structure, names, syntax) and run each saved test case."""
    point = rules.extension_point(key=pack.extension_point)
    problems = rules.graph_problems(content=pack.content, point=point)
    if not problems:
        problems = engine.syntax_problems(content=pack.content)
    results: list[rules.CaseResult] = []
    if not problems:
        for case in pack.test_cases:
            try:
                actual = answer_one(engine=engine, pack=pack, values=case.given)
            except (rules.InvalidRuleInput, rules.RuleEvaluationFailed) as exc:
                results.append(
                    rules.CaseResult(
                        name=case.name,
                        passed=False,
                        expected=case.expected,
                        actual=None,
                        error=f"{exc.code}: {exc.message}",
                    )
                )
                continue
            unknown = [k for k in case.expected if k not in point.output.names]
            result = rules.judge_case(name=case.name, expected=case.expected, actual=actual)
            if unknown:
                result = rules.CaseResult(
                    name=case.name,
                    passed=False,
                    expected=case.expected,
                    actual=actual,
                    mismatches=(
                        f"expects {', '.join(unknown)}, which {point.key} does not answer",
                    ),
                )
            results.append(result)
    return rules.TestReport(
        pack_key=pack.pack_key, version=pack.version, problems=problems, cases=tuple(results)
    )
