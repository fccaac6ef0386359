from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.rules import graphs
from urbis.domain import rules
from urbis.kernel import ids

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TENANT = ids.TenantId("t1")


def _draft(**changes: object) -> rules.PackVersion:
    values: dict[str, object] = {
        "version_id": rules.PackVersionId("v1"),
        "tenant_id": TENANT,
        "pack_key": "vee",
        "version": 1,
        "extension_point": "vee_thresholds",
        "title": "VEE",
        "effective_from": date(2026, 1, 1),
        "content": rules.canonical_json(graphs.vee_graph()),
        "test_cases": rules.test_cases_from_data(data=graphs.VEE_CASES),
        "author_id": "ana",
        "at": AT,
    }
    values.update(changes)
    return rules.new_draft(**values)  # type: ignore[arg-type]


def _report(pack: rules.PackVersion, *, passed: bool = True) -> rules.TestReport:
    case = rules.CaseResult(
        name="c", passed=passed, expected={"a": 1}, actual={"a": 1 if passed else 2}
    )
    return rules.TestReport(
        pack_key=pack.pack_key, version=pack.version, problems=(), cases=(case,)
    )


class TestSchemas:
    def test_accepts_an_input_that_fits_and_types_it(self) -> None:
        values = {
            "service": "ELECTRICITY",
            "use_class": "RESIDENTIAL",
            "stratum": 2,
            "altitude_m": 2600,
            "consumption": "173.5",
        }

        checked = rules.check_input(schema=rules.SUBSIDY_FACTOR.input, values=values, question="q")

        assert checked["consumption"] == Decimal("173.5")
        assert checked["stratum"] == 2

    def test_names_every_problem_of_a_bad_input(self) -> None:
        values = {"service": "PETROL", "stratum": 9, "altitude_m": 1.5, "colour": "red"}

        with pytest.raises(rules.InvalidRuleInput) as caught:
            rules.check_input(schema=rules.SUBSIDY_FACTOR.input, values=values, question="q")

        problems = caught.value.details["problems"]
        assert any(p.startswith("service: must be one of") for p in problems)
        assert any(p.startswith("use_class: is required") for p in problems)
        assert any(p.startswith("stratum: must be at most 6") for p in problems)
        assert any(p.startswith("altitude_m: must be a whole number") for p in problems)
        assert any(p.startswith("colour: is not a field") for p in problems)

    def test_rejects_a_boolean_where_a_number_is_asked(self) -> None:
        problems = rules.VEE_THRESHOLDS.output.problems({"spike_factor": True}, strict=False)

        assert "spike_factor: must be a number (got True)" in problems

    def test_keeps_only_the_answer_fields_and_never_fills_a_missing_one(self) -> None:
        answer = {"queue": "BILLING", "priority": 2.0, "scratch": 7}

        checked = rules.check_output(
            schema=rules.CASE_ROUTING.output, values=answer, question="q", source="p v1"
        )

        assert checked == {"queue": "BILLING", "priority": 2}
        with pytest.raises(rules.InvalidRuleOutput, match="p v1 answered q"):
            rules.check_output(
                schema=rules.CASE_ROUTING.output, values={"queue": "X"}, question="q", source="p v1"
            )

    def test_every_extension_point_of_the_issue_is_in_the_catalogue(self) -> None:
        keys = set(rules.CATALOGUE)

        assert {
            "subsidy_factor",
            "bill_validation",
            "collection_action",
            "case_routing",
            "deposit_required",
            "vee_thresholds",
        } <= keys
        with pytest.raises(rules.UnknownExtensionPoint):
            rules.extension_point(key="tax_rate")


class TestCanonicalJson:
    @given(
        st.dictionaries(
            st.text(min_size=1, max_size=5),
            st.one_of(
                st.decimals(
                    allow_nan=False,
                    allow_infinity=False,
                    places=4,
                    min_value=-(10**9),
                    max_value=10**9,
                ),
                st.integers(),
                st.text(max_size=5),
                st.booleans(),
                st.none(),
            ),
            max_size=6,
        )
    )
    def test_reads_back_every_decimal_exactly(self, value: dict[str, object]) -> None:
        text = rules.canonical_json(value)

        assert rules.read_json(text) == value
        assert json.loads(text) is not None


class TestGraphChecks:
    def test_finds_nothing_wrong_with_a_sound_graph(self) -> None:
        content = rules.canonical_json(graphs.subsidy_graph())

        assert rules.graph_problems(content=content, point=rules.SUBSIDY_FACTOR) == ()

    def test_finds_a_loop(self) -> None:
        graph = graphs.subsidy_graph()
        graph["edges"].append(graphs.edge("limit", "factor"))

        problems = rules.graph_problems(
            content=rules.canonical_json(graph), point=rules.SUBSIDY_FACTOR
        )

        assert [p.code for p in problems] == ["loop"]
        assert "'Factor'" in problems[0].message
        assert "'Limit'" in problems[0].message

    def test_finds_a_name_the_question_does_not_give(self) -> None:
        graph = graphs.subsidy_graph()
        graph["nodes"][2]["content"]["expressions"][0]["value"] = "altitud >= 1000 ? 130 : 173"

        problems = rules.graph_problems(
            content=rules.canonical_json(graph), point=rules.SUBSIDY_FACTOR
        )

        assert [(p.code, p.node_id) for p in problems] == [("unknown_input", "limit")]
        assert "'altitud'" in problems[0].message

    def test_finds_an_input_that_does_not_reach_the_node_reading_it(self) -> None:
        graph = graphs.subsidy_graph()
        graph["edges"] = [e for e in graph["edges"] if e["id"] != "in-limit"]

        problems = rules.graph_problems(
            content=rules.canonical_json(graph), point=rules.SUBSIDY_FACTOR
        )

        assert [p.code for p in problems] == ["unknown_input"]
        assert "'altitude_m'" in problems[0].message

    def test_finds_an_answer_nothing_produces(self) -> None:
        graph = graphs.subsidy_graph()
        graph["nodes"][2]["content"]["expressions"][0]["key"] = "subsistence"

        problems = rules.graph_problems(
            content=rules.canonical_json(graph), point=rules.SUBSIDY_FACTOR
        )

        assert [p.code for p in problems] == ["missing_output"]

    def test_finds_a_node_cut_off_from_the_input_and_unknown_node_types(self) -> None:
        graph = graphs.vee_graph()
        graph["nodes"].append(graphs.node("sub", "decisionNode"))

        problems = rules.graph_problems(
            content=rules.canonical_json(graph), point=rules.VEE_THRESHOLDS
        )

        assert {p.code for p in problems} == {"unsupported_node", "unreachable_node"}

    def test_reports_text_that_is_not_a_graph(self) -> None:
        problems = rules.graph_problems(content='{"nodes": 3}', point=rules.VEE_THRESHOLDS)

        assert [p.code for p in problems] == ["malformed"]

    def test_lists_the_inputs_a_graph_reads_in_schema_order(self) -> None:
        content = rules.canonical_json(graphs.subsidy_graph())

        assert rules.referenced_inputs(content=content, point=rules.SUBSIDY_FACTOR) == (
            "stratum",
            "altitude_m",
        )

    def test_finds_numeric_inputs_only_compared_with_constants(self) -> None:
        graph = graphs.subsidy_graph()
        cells = graph["nodes"][1]["content"]["rules"]
        cells[0]["i-stratum"] = "$ != null and $ <= 1"

        cuts = rules.comparison_cuts(
            content=rules.canonical_json(graph), point=rules.SUBSIDY_FACTOR
        )

        # altitude_m is read by an expression, so every distinct altitude must be asked about
        assert cuts == {"stratum": (Decimal(1), Decimal(2), Decimal(5), Decimal(6))}

    @pytest.mark.parametrize("cell", ["> altitude_m", "$ * 2 > 3", "abs($) > 1", "'1'"])
    def test_does_not_group_an_input_compared_in_any_other_way(self, cell: str) -> None:
        graph = graphs.subsidy_graph()
        graph["nodes"][1]["content"]["rules"][0]["i-stratum"] = cell

        cuts = rules.comparison_cuts(
            content=rules.canonical_json(graph), point=rules.SUBSIDY_FACTOR
        )

        assert "stratum" not in cuts

    def test_ignores_names_inside_text_literals_and_function_calls(self) -> None:
        assert rules.names_in("upper('stratum') == use_class and round(x.y, 2) > 0") == (
            "use_class",
            "x.y",
        )


class TestLifecycle:
    def test_goes_from_draft_to_published_with_two_people(self) -> None:
        draft = _draft()

        tested = rules.mark_tested(pack=draft, report=_report(draft), at=AT)
        approved = rules.approve(pack=tested, report=_report(draft), approver_id="bea", at=AT)
        published = rules.publish(pack=approved, publisher_id="bea", at=AT)

        assert [p.status for p in (draft, tested, approved, published)] == list(rules.PackStatus)
        assert published.approved_by == "bea"

    def test_refuses_the_author_as_approver(self) -> None:
        tested = rules.mark_tested(pack=_draft(), report=_report(_draft()), at=AT)

        with pytest.raises(rules.SameAuthorAndApprover):
            rules.approve(pack=tested, report=_report(tested), approver_id="ana", at=AT)

    def test_refuses_an_editor_as_approver(self) -> None:
        edited = rules.edit_draft(pack=_draft(), editor_id="carl", at=AT, title="VEE limits")
        tested = rules.mark_tested(pack=edited, report=_report(edited), at=AT)

        with pytest.raises(rules.SameAuthorAndApprover):
            rules.approve(pack=tested, report=_report(tested), approver_id="carl", at=AT)

    def test_cannot_mark_tested_or_approve_on_a_failing_report(self) -> None:
        draft = _draft()
        tested = rules.mark_tested(pack=draft, report=_report(draft), at=AT)

        with pytest.raises(rules.PackFailsChecks):
            rules.mark_tested(pack=draft, report=_report(draft, passed=False), at=AT)
        with pytest.raises(rules.PackFailsChecks):
            rules.approve(
                pack=tested, report=_report(tested, passed=False), approver_id="bea", at=AT
            )

    def test_a_report_without_test_cases_does_not_pass(self) -> None:
        report = rules.TestReport(pack_key="vee", version=1, problems=(), cases=())

        assert not report.passed
        assert report.failures == ("no_test_cases: a pack needs at least one saved test case",)

    def test_editing_a_tested_version_sends_it_back_to_draft(self) -> None:
        draft = _draft()
        tested = rules.mark_tested(pack=draft, report=_report(draft), at=AT)

        edited = rules.edit_draft(
            pack=tested, editor_id="ana", at=AT, effective_from=date(2026, 2, 1)
        )

        assert edited.status is rules.PackStatus.DRAFT
        assert edited.tested_at is None

    def test_a_published_version_cannot_change(self) -> None:
        draft = _draft()
        tested = rules.mark_tested(pack=draft, report=_report(draft), at=AT)
        published = rules.publish(
            pack=rules.approve(pack=tested, report=_report(draft), approver_id="bea", at=AT),
            publisher_id="bea",
            at=AT,
        )

        with pytest.raises(rules.PackNotEditable):
            rules.edit_draft(pack=published, editor_id="ana", at=AT, title="Changed")
        with pytest.raises(rules.WrongPackStatus):
            rules.publish(pack=published, publisher_id="bea", at=AT)

    def test_rejects_a_bad_pack_key(self) -> None:
        with pytest.raises(rules.InvalidRulePack):
            _draft(pack_key="Subsidios 2026")


class TestInForce:
    def _published(
        self, version: int, effective: date, published_minutes: int
    ) -> rules.PackVersion:
        draft = _draft(
            version_id=rules.PackVersionId(f"v{version}"), version=version, effective_from=effective
        )
        tested = rules.mark_tested(pack=draft, report=_report(draft), at=AT)
        approved = rules.approve(pack=tested, report=_report(draft), approver_id="bea", at=AT)
        return rules.publish(
            pack=approved, publisher_id="bea", at=AT + timedelta(minutes=published_minutes)
        )

    def test_picks_the_latest_effective_version_on_or_before_the_date(self) -> None:
        versions = [
            self._published(1, date(2026, 1, 1), 0),
            self._published(2, date(2026, 7, 1), 5),
        ]

        june = rules.in_force(
            versions=versions, extension_point="vee_thresholds", as_of=date(2026, 6, 30)
        )
        july = rules.in_force(
            versions=versions, extension_point="vee_thresholds", as_of=date(2026, 7, 1)
        )

        assert (june.version, july.version) == (1, 2)

    def test_ignores_drafts_and_reports_when_nothing_is_in_force(self) -> None:
        versions = [_draft(), self._published(2, date(2026, 7, 1), 0)]

        with pytest.raises(rules.NoPackInForce):
            rules.in_force(
                versions=versions, extension_point="vee_thresholds", as_of=date(2026, 6, 1)
            )
