"""
Static checks of a rule graph (GoRules JDM JSON) against the question it answers.

Pure reading of the document: structure, loops, names it reads that the question does not
give, answers it never produces. Expression syntax is checked by the engine (a port), since
only the engine knows its language exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs

from urbis.domain.rules._points import ExtensionPoint
from urbis.domain.rules._schemas import FieldType
from urbis.domain.rules._schemas import _coerce as coerce_field
from urbis.kernel import errors


class MalformedGraph(errors.InvalidValue):
    code = "malformed_rule_graph"


class GraphRefused(errors.InvalidValue):
    """A draft's graph that cannot be saved: ``details["problems"]`` names each, with its code."""

    code = "rule_graph_refused"


UNSOUND = frozenset(
    {
        "malformed",
        "duplicate_node",
        "unsupported_node",
        "input_node",
        "dangling_edge",
        "loop",
        "unknown_input",
    }
)
"""Problems a saved draft may never have; the rest (unreachable nodes, answers not produced
yet) are a graph still being drawn, and stop it only at test, submit and approve."""


INPUT_NODE = "inputNode"
OUTPUT_NODE = "outputNode"
TABLE_NODE = "decisionTableNode"
EXPRESSION_NODE = "expressionNode"
SWITCH_NODE = "switchNode"
FUNCTION_NODE = "functionNode"
NODE_TYPES = frozenset(
    {INPUT_NODE, OUTPUT_NODE, TABLE_NODE, EXPRESSION_NODE, SWITCH_NODE, FUNCTION_NODE}
)

_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`(?:[^`\\]|\\.)*`")
_NAME = re.compile(r"(?<![\w.$#])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(\s*\()?")
_WORDS = frozenset({"and", "or", "not", "in", "true", "false", "null", "$", "$root", "#"})
_FUNCTION_INPUT = re.compile(r"\binput\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")
_FUNCTION_WHOLE_INPUT = re.compile(r"\binput\b(?!\s*[.\[])")


@attrs.frozen
class Problem:
    """One reason a graph cannot be approved."""

    code: str
    message: str
    node_id: str | None = None


@attrs.frozen
class Node:
    id: str
    type: str
    name: str
    content: Any


@attrs.frozen
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str], ...]

    def node(self, node_id: str) -> Node | None:
        for node in self.nodes:
            if node.id == node_id:
                return node
        return None


def parse_graph(*, content: str) -> Graph:
    """
    Read a JDM document into its nodes and edges.

    :raises MalformedGraph: if it is not JSON or lacks well-formed ``nodes`` and ``edges``.
    """
    try:
        document = json.loads(content)
    except ValueError as exc:
        raise MalformedGraph(f"The rule graph is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise MalformedGraph("The rule graph must be a JSON object with nodes and edges")
    raw_nodes, raw_edges = document.get("nodes"), document.get("edges")
    if not isinstance(raw_nodes, list) or not isinstance(raw_edges, list):
        raise MalformedGraph("The rule graph must have a list of nodes and a list of edges")
    nodes: list[Node] = []
    for raw in raw_nodes:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise MalformedGraph("Every node needs a text id")
        nodes.append(
            Node(
                id=raw["id"],
                type=str(raw.get("type", "")),
                name=str(raw.get("name", raw["id"])),
                content=raw.get("content"),
            )
        )
    edges: list[tuple[str, str]] = []
    for raw in raw_edges:
        if not isinstance(raw, dict):
            raise MalformedGraph("Every edge must be an object with sourceId and targetId")
        source, target = raw.get("sourceId"), raw.get("targetId")
        if not isinstance(source, str) or not isinstance(target, str):
            raise MalformedGraph("Every edge needs a text sourceId and targetId")
        edges.append((source, target))
    return Graph(nodes=tuple(nodes), edges=tuple(edges))


def names_in(expression: str) -> tuple[str, ...]:
    """The dotted names an expression reads (function names, literals and keywords excluded)."""
    stripped = _STRINGS.sub("''", expression)
    found: list[str] = []
    for match in _NAME.finditer(stripped):
        name, call = match.group(1), match.group(2)
        if call or name in _WORDS:
            continue
        found.append(name)
    return tuple(found)


def _expressions(node: Node) -> Iterator[str]:
    """Every expression text a node evaluates."""
    content = node.content if isinstance(node.content, dict) else {}
    if node.type == TABLE_NODE:
        for column in content.get("inputs", []) or []:
            if isinstance(column, dict) and column.get("field"):
                yield str(column["field"])
        for rule in content.get("rules", []) or []:
            if isinstance(rule, dict):
                yield from (
                    str(v) for k, v in rule.items() if k != "_id" and not k.startswith("_") and v
                )
    elif node.type == EXPRESSION_NODE:
        for item in content.get("expressions", []) or []:
            if isinstance(item, dict) and item.get("value"):
                yield str(item["value"])
    elif node.type == SWITCH_NODE:
        for statement in content.get("statements", []) or []:
            if isinstance(statement, dict) and statement.get("condition"):
                yield str(statement["condition"])


def _produced(node: Node) -> frozenset[str]:
    """The top-level names a node adds to what flows downstream."""
    content = node.content if isinstance(node.content, dict) else {}
    keys: list[str] = []
    if node.type == TABLE_NODE:
        keys = [
            str(c.get("field", "")) for c in content.get("outputs", []) or [] if isinstance(c, dict)
        ]
    elif node.type == EXPRESSION_NODE:
        keys = [
            str(e.get("key", ""))
            for e in content.get("expressions", []) or []
            if isinstance(e, dict)
        ]
    return frozenset(k.split(".")[0] for k in keys if k)


def _function_source(node: Node) -> str:
    if isinstance(node.content, str):
        return node.content
    if isinstance(node.content, dict):
        return str(node.content.get("source", ""))
    return ""


def _ancestors(graph: Graph) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = {n.id: set() for n in graph.nodes}
    for source, target in graph.edges:
        if target in parents and source in parents:
            parents[target].add(source)
    result: dict[str, set[str]] = {}
    for node in graph.nodes:
        seen: set[str] = set()
        stack = list(parents[node.id])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(parents[current])
        result[node.id] = seen
    return result


def _loops(graph: Graph) -> list[str]:
    """Node ids on a cycle (empty when the graph is acyclic)."""
    children: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for source, target in graph.edges:
        if source in children and target in children:
            children[source].append(target)
    state: dict[str, int] = {}
    on_cycle: list[str] = []

    def visit(node_id: str, path: list[str]) -> None:
        state[node_id] = 1
        path.append(node_id)
        for child in children[node_id]:
            if state.get(child) == 1:
                on_cycle.extend(path[path.index(child) :])
            elif child not in state:
                visit(child, path)
        path.pop()
        state[node_id] = 2

    for node in graph.nodes:
        if node.id not in state:
            visit(node.id, [])
    return list(dict.fromkeys(on_cycle))


def _input_field(name: str, inputs: frozenset[str]) -> str | None:
    """The question's input field a dotted name reads, if any."""
    parts = name.split(".")
    if parts[0] in inputs:
        return parts[0]
    if parts[0] == "$nodes" and len(parts) >= 3 and parts[2] in inputs:
        return parts[2]
    return None


def graph_problems(*, content: str, point: ExtensionPoint) -> tuple[Problem, ...]:
    """
    Every reason this graph cannot answer the question (empty when none is found).

    Checks: well-formed JSON, one input node, an output node, known node types, edges between
    existing nodes, no loops, every node reachable from the input, every name read is an
    input of the question or produced upstream, every required answer produced somewhere.
    """
    try:
        graph = parse_graph(content=content)
    except MalformedGraph as exc:
        return (Problem(code="malformed", message=exc.message),)
    problems: list[Problem] = []
    ids = [n.id for n in graph.nodes]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(
            Problem(
                code="duplicate_node",
                message=f"Two nodes share the id {duplicate!r}",
                node_id=duplicate,
            )
        )
    for node in graph.nodes:
        if node.type not in NODE_TYPES:
            problems.append(
                Problem(
                    code="unsupported_node",
                    message=f"Node {node.name!r} has type {node.type!r}; supported: "
                    + ", ".join(sorted(NODE_TYPES)),
                    node_id=node.id,
                )
            )
    inputs = [n for n in graph.nodes if n.type == INPUT_NODE]
    outputs = [n for n in graph.nodes if n.type == OUTPUT_NODE]
    if len(inputs) != 1:
        problems.append(
            Problem(
                code="input_node",
                message=f"A graph needs exactly one input node; it has {len(inputs)}",
            )
        )
    if not outputs:
        problems.append(Problem(code="output_node", message="A graph needs an output node"))
    known = set(ids)
    for source, target in graph.edges:
        for end in (source, target):
            if end not in known:
                problems.append(
                    Problem(
                        code="dangling_edge", message=f"An edge refers to a missing node {end!r}"
                    )
                )
    loop = _loops(graph)
    if loop:
        by_id = {n.id: n.name for n in graph.nodes}
        names = ", ".join(repr(by_id[n]) for n in loop)
        problems.append(
            Problem(code="loop", message=f"The graph loops through {names}", node_id=loop[0])
        )
        return tuple(problems)
    ancestors = _ancestors(graph)
    if len(inputs) == 1:
        start = inputs[0].id
        for node in graph.nodes:
            if node.id != start and start not in ancestors[node.id]:
                problems.append(
                    Problem(
                        code="unreachable_node",
                        message=f"Node {node.name!r} cannot be reached from the input",
                        node_id=node.id,
                    )
                )
    problems.extend(_unknown_names(graph, point))
    problems.extend(_missing_answers(graph, point))
    problems.extend(_answers_outside_the_schema(graph, point))
    return tuple(problems)


_QUOTED = re.compile(r"""^\s*(['"])(.*)\1\s*$""", re.S)
_CONSTANT_NUMBER = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")


def _constant(cell: object) -> tuple[bool, object]:
    """A decision-table cell's value when it is a constant (text, number, true/false)."""
    if not isinstance(cell, str):
        return False, None
    quoted = _QUOTED.match(cell)
    if quoted:
        return True, quoted.group(2)
    if _CONSTANT_NUMBER.match(cell):
        return True, Decimal(cell.strip())
    if cell.strip() in ("true", "false"):
        return True, cell.strip() == "true"
    return False, None


def _answers_outside_the_schema(graph: Graph, point: ExtensionPoint) -> list[Problem]:
    """
    Constants a decision table answers with that the question's answer cannot take (a choice it
    does not offer, a number out of range, a text where a number goes): caught before a run
    meets them, whether or not a test case reaches that row.
    """
    found: list[Problem] = []
    answers = point.output
    for node in graph.nodes:
        if node.type != "decisionTableNode" or not isinstance(node.content, dict):
            continue
        columns = {
            str(o.get("id")): str(o.get("field"))
            for o in node.content.get("outputs", ())
            if isinstance(o, dict) and str(o.get("field")) in answers.names
        }
        for rule in node.content.get("rules", ()):
            if not isinstance(rule, dict):
                continue
            for column, name in columns.items():
                is_constant, value = _constant(rule.get(column))
                if not is_constant:
                    continue
                _, why = coerce_field(answers.field(name), value)
                if why is not None:
                    found.append(
                        Problem(
                            code="answer_outside_schema",
                            message=f"Node {node.name!r}, row {rule.get('_id')!r}: "
                            f"{name} {why} (got {rule.get(column)!r})",
                            node_id=node.id,
                        )
                    )
    return found


_ANY = "*"


def _flows(graph: Graph, point: ExtensionPoint) -> dict[str, frozenset[str]]:
    """
    The names each node passes downstream (``*`` when it cannot be known).

    The engine gives a node the merged outputs of its direct parents: the input node passes the
    question's inputs, a table or expression node only its own answers (unless it passes its
    input through), a switch its input unchanged, a function whatever it returns.
    """
    parents: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for source, target in graph.edges:
        if source in parents and target in parents:
            parents[target].append(source)
    by_id = {n.id: n for n in graph.nodes}
    memo: dict[str, frozenset[str]] = {}

    def received(node_id: str) -> frozenset[str]:
        return frozenset().union(*(flows(p) for p in parents[node_id]))

    def flows(node_id: str) -> frozenset[str]:
        if node_id not in memo:
            node = by_id[node_id]
            content = node.content if isinstance(node.content, dict) else {}
            if node.type == INPUT_NODE:
                memo[node_id] = point.input.names
            elif node.type == FUNCTION_NODE:
                memo[node_id] = frozenset({_ANY})
            elif node.type in (TABLE_NODE, EXPRESSION_NODE):
                own = _produced(node)
                memo[node_id] = own | received(node_id) if content.get("passThrough") else own
            else:
                memo[node_id] = received(node_id)
        return memo[node_id]

    return {n.id: received(n.id) for n in graph.nodes}


def _unknown_names(graph: Graph, point: ExtensionPoint) -> Iterator[Problem]:
    available_to = _flows(graph, point)
    for node in graph.nodes:
        available = available_to[node.id]
        if _ANY in available or node.type in (INPUT_NODE, OUTPUT_NODE):
            continue  # a function may produce any name; the engine and the test cases judge it
        if node.type == FUNCTION_NODE:
            source = _function_source(node)
            read = {a or b for a, b in _FUNCTION_INPUT.findall(source)}
        else:
            read = {name.split(".")[0] for text in _expressions(node) for name in names_in(text)}
        for name in sorted(read):
            if name.startswith("$") or name in available:
                continue
            given = ", ".join(sorted(available)) or "nothing"
            yield Problem(
                code="unknown_input",
                message=f"Node {node.name!r} reads {name!r}, which is neither an input of "
                f"{point.key} nor produced before it (it receives: {given})",
                node_id=node.id,
            )


def _missing_answers(graph: Graph, point: ExtensionPoint) -> Iterator[Problem]:
    if any(n.type == FUNCTION_NODE for n in graph.nodes):
        return
    produced = {k for n in graph.nodes for k in _produced(n)}
    for field in point.output.fields:
        if field.required and field.name not in produced:
            yield Problem(
                code="missing_output",
                message=f"No node produces the answer {field.name!r} of {point.key}",
            )


def unsound_problems(*, content: str, point: ExtensionPoint) -> tuple[Problem, ...]:
    """The problems of a graph that stop it being saved at all (``UNSOUND``; empty when none)."""
    return tuple(p for p in graph_problems(content=content, point=point) if p.code in UNSOUND)


def referenced_inputs(*, content: str, point: ExtensionPoint) -> tuple[str, ...]:
    """
    The question's input fields this graph reads, in schema order.

    Two inputs that agree on these fields get the same answer, so a batch evaluates the graph
    once per distinct combination of them.

    :raises MalformedGraph: if the document cannot be read.
    """
    graph = parse_graph(content=content)
    inputs = point.input.names
    used: set[str] = set()
    for node in graph.nodes:
        if node.type == FUNCTION_NODE:
            source = _function_source(node)
            if _FUNCTION_WHOLE_INPUT.search(source):
                return tuple(f.name for f in point.input.fields)
            used |= {a or b for a, b in _FUNCTION_INPUT.findall(source)} & inputs
            continue
        for text in _expressions(node):
            for name in names_in(text):
                field = _input_field(name, inputs)
                if field is not None:
                    used.add(field)
    return tuple(f.name for f in point.input.fields if f.name in used)


_NUMBER = r"-?\d+(?:\.\d+)?"
_OP = r"(?:<=|>=|<|>|==|!=)"
_SIMPLE = re.compile(rf"^(?:\$\s*)?({_OP})?\s*({_NUMBER})$")
_RANGE = re.compile(rf"^[\[\(\]]\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*[\]\)\[]$")
_NULL_TEST = re.compile(r"^\$\s*(?:==|!=)\s*null$")
_JOINER = re.compile(r"\s+(?:and|or)\s+")
_BARE_DOLLAR = re.compile(r"\$(?![\w$])")


def _cell_cuts(cell: str) -> list[Decimal] | None:
    """The numbers a table cell compares its column with, or None if it does anything else."""
    text = cell.strip()
    if not text:
        return []
    found: list[Decimal] = []
    for part in _JOINER.split(text):
        part = part.strip()
        if _NULL_TEST.match(part):
            continue
        if simple := _SIMPLE.match(part):
            found.append(Decimal(simple.group(2)))
        elif span := _RANGE.match(part):
            found.extend((Decimal(span.group(1)), Decimal(span.group(2))))
        else:
            return None
    return found


def comparison_cuts(*, content: str, point: ExtensionPoint) -> dict[str, tuple[Decimal, ...]]:
    """
    Numeric inputs the graph only compares with constants, and those constants, sorted.

    Two values that fall on the same side of (or on) every constant get the same answer, so a
    batch may ask about one value per interval instead of every distinct value. An input
    qualifies when it is a number read only by decision-table columns whose field is the
    input's bare name and whose every cell is a comparison with numbers (``< 5``, ``[1..29]``,
    ``$ != null and $ >= 0.7``). A graph with a function node qualifies nothing (a function may
    read any input).

    :raises MalformedGraph: if the document cannot be read.
    """
    graph = parse_graph(content=content)
    if any(n.type == FUNCTION_NODE for n in graph.nodes):
        return {}
    inputs = point.input.names
    numeric = {
        f.name for f in point.input.fields if f.type in (FieldType.INTEGER, FieldType.DECIMAL)
    }
    cuts: dict[str, set[Decimal]] = {}
    impure: set[str] = set()

    def read_elsewhere(text: str) -> None:
        for name in names_in(text):
            field = _input_field(name, inputs)
            if field is not None:
                impure.add(field)

    for node in graph.nodes:
        body = node.content if isinstance(node.content, dict) else {}
        if node.type in (EXPRESSION_NODE, SWITCH_NODE):
            for text in _expressions(node):
                read_elsewhere(text)
        if node.type != TABLE_NODE:
            continue
        pure_columns: dict[str, str] = {}
        for column in body.get("inputs", []) or []:
            if not isinstance(column, dict) or not column.get("field"):
                continue
            if column["field"] in numeric:
                pure_columns[str(column.get("id"))] = str(column["field"])
                cuts.setdefault(str(column["field"]), set())
            else:
                read_elsewhere(str(column["field"]))
        for rule in body.get("rules", []) or []:
            if not isinstance(rule, dict):
                continue
            for column_id, cell in rule.items():
                if column_id.startswith("_") or not cell:
                    continue
                if column_id in pure_columns:
                    field = pure_columns[column_id]
                    found = _cell_cuts(str(cell))
                    if found is None:
                        impure.add(field)
                    else:
                        cuts[field].update(found)
                    read_elsewhere(_BARE_DOLLAR.sub("", str(cell)))
                else:
                    read_elsewhere(str(cell))
    return {f: tuple(sorted(c)) for f, c in cuts.items() if f not in impure}
