from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

from tests.unit.rules import graphs
from tests.unit.rules.fakes import OTHER_TENANT, World
from urbis.adapters.rules import shipped
from urbis.application.rules import operations, queries
from urbis.domain import identity, rules
from urbis.kernel import errors

JAN = date(2026, 1, 1)


def _draft(world: World, graph: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "pack_key": "subsidies",
        "extension_point": "subsidy_factor",
        "title": "Subsidies",
        "effective_from": JAN,
        "content": graph or graphs.subsidy_graph(),
        "test_cases": graphs.SUBSIDY_CASES,
    }
    values.update(changes)
    return operations.create_draft(env=world.env_for("ana"), **values)


def _publish(world: World, version_id: str) -> dict[str, Any]:
    operations.run_tests(env=world.env_for("ana"), version_id=version_id)
    operations.approve(env=world.env_for("bea"), version_id=version_id)
    return operations.publish(env=world.env_for("bea"), version_id=version_id)


class TestLifecycle:
    def test_drafts_tests_approves_and_publishes_with_an_audit_entry_for_each_step(self) -> None:
        world = World()
        draft = _draft(world)

        report = operations.run_tests(env=world.env_for("ana"), version_id=draft["id"])
        operations.approve(env=world.env_for("bea"), version_id=draft["id"])
        published = operations.publish(env=world.env_for("bea"), version_id=draft["id"])

        assert report["passed"]
        assert published["status"] == "PUBLISHED"
        trail = queries.history(env=world.env_for("ana"), version_id=draft["id"])
        assert [(e["actor_id"], e["action"]) for e in trail] == [
            ("ana", "created"),
            ("ana", "tested"),
            ("bea", "approved"),
            ("bea", "published"),
        ]
        assert trail[0]["before"] is None
        assert trail[2]["before"]["status"] == "TESTED"
        assert trail[2]["after"]["status"] == "APPROVED"

    def test_the_author_cannot_approve_their_own_pack(self) -> None:
        world = World()
        draft = _draft(world)
        operations.run_tests(env=world.env_for("ana"), version_id=draft["id"])

        with pytest.raises(rules.SameAuthorAndApprover):
            operations.approve(env=world.env_for("ana"), version_id=draft["id"])

    def test_a_pack_failing_its_test_cases_stays_a_draft_and_cannot_be_approved(self) -> None:
        world = World()
        draft = _draft(world, graphs.subsidy_graph("-0.55"))

        report = operations.run_tests(env=world.env_for("ana"), version_id=draft["id"])

        assert not report["passed"]
        assert report["cases"][0]["mismatches"] == ["factor: expected -0.6, got -0.55"]
        assert (
            queries.get_version(env=world.env_for("bea"), version_id=draft["id"])["status"]
            == "DRAFT"
        )
        with pytest.raises(rules.WrongPackStatus):
            operations.approve(env=world.env_for("bea"), version_id=draft["id"])

    @pytest.mark.parametrize(
        ("breakage", "code"),
        [
            ("loop", "loop"),
            ("unknown", "unknown_input"),
            ("schema", "missing_output"),
            ("answer", "answer_outside_schema"),
        ],
    )
    def test_a_pack_that_loops_reads_unknown_inputs_or_misses_answers_is_not_tested(
        self, breakage: str, code: str
    ) -> None:
        graph = graphs.subsidy_graph()
        if breakage == "loop":
            graph["edges"].append(graphs.edge("limit", "factor"))
        elif breakage == "unknown":
            graph["nodes"][1]["content"]["inputs"][0]["field"] = "estrato"
        elif breakage == "answer":  # a row no test case reaches answers a kind there is not
            graph = graphs.subsidy_graph()
            table = graph["nodes"][1]["content"]
            kind = next(o["id"] for o in table["outputs"] if o["field"] == "kind")
            table["rules"][-1][kind] = "'BOGUS'"
        else:
            graph["nodes"][2]["content"]["expressions"][0]["key"] = "subsistence"
        world = World()
        draft = _draft(world, graph)

        report = operations.run_tests(env=world.env_for("ana"), version_id=draft["id"])

        assert not report["passed"]
        assert code in [p["code"] for p in report["problems"]]

    def test_approval_runs_the_tests_again(self) -> None:
        world = World()
        draft = _draft(world)
        operations.run_tests(env=world.env_for("ana"), version_id=draft["id"])
        # a tested version whose stored cases no longer pass (e.g. restored from an old backup)
        stored = world.packs.rows[("tenant-1", draft["id"])]
        failing = rules.test_cases_from_data(
            data=[
                {
                    "name": "x",
                    "given": graphs.SUBSIDY_CASES[0]["given"],
                    "expected": {"factor": -0.5},
                }
            ]
        )
        world.packs.rows[("tenant-1", draft["id"])] = attrs.evolve(stored, test_cases=failing)

        with pytest.raises(rules.PackFailsChecks, match=r"factor: expected -0\.5"):
            operations.approve(env=world.env_for("bea"), version_id=draft["id"])

    def test_editing_by_another_author_makes_them_unable_to_approve(self) -> None:
        world = World()
        draft = _draft(world)

        operations.edit_draft(env=world.env_for("bea"), version_id=draft["id"], title="Subsidios")
        operations.run_tests(env=world.env_for("ana"), version_id=draft["id"])

        with pytest.raises(rules.SameAuthorAndApprover):
            operations.approve(env=world.env_for("bea"), version_id=draft["id"])
        assert (
            operations.approve(env=world.env_for("carl"), version_id=draft["id"])["approved_by"]
            == "carl"
        )

    def test_a_published_version_cannot_be_edited_but_a_new_draft_can_start_from_it(self) -> None:
        world = World()
        published = _publish(world, _draft(world)["id"])

        with pytest.raises(rules.PackNotEditable):
            operations.edit_draft(
                env=world.env_for("ana"), version_id=published["id"], title="Changed"
            )
        second = operations.create_draft_from(
            env=world.env_for("ana"), version_id=published["id"], effective_from=date(2026, 7, 1)
        )

        assert (second["version"], second["status"], second["based_on"]) == (
            2,
            "DRAFT",
            published["id"],
        )
        assert second["content"] == published["content"]

    def test_a_second_version_is_numbered_after_the_first_and_keeps_its_extension_point(
        self,
    ) -> None:
        world = World()
        _draft(world)

        second = _draft(world)

        assert second["version"] == 2
        with pytest.raises(operations.PackKeyTaken):
            _draft(world, graphs.vee_graph(), extension_point="vee_thresholds")

    def test_only_rules_authors_write_packs(self) -> None:
        world = World()

        with pytest.raises(identity.RoleRequired):
            operations.create_draft(
                env=world.env_for("dan", identity.Role.AGENT),
                pack_key="subsidies",
                extension_point="subsidy_factor",
                title="x",
                effective_from=JAN,
                content=graphs.subsidy_graph(),
            )

    def test_rejects_content_that_is_not_json_and_writes_nothing(self) -> None:
        world = World()

        with pytest.raises(rules.MalformedGraph):
            _draft(world, content="{nodes: [")

        assert world.packs.rows == {}
        assert world.audit.entries == []


class TestTenancy:
    def test_another_tenant_neither_sees_nor_uses_a_pack(self) -> None:
        world = World()
        published = _publish(world, _draft(world)["id"])
        stranger = world.env_for("zoe", identity.Role.RULES_AUTHOR, tenant=OTHER_TENANT)

        with pytest.raises(errors.NotFound):
            queries.get_version(env=stranger, version_id=published["id"])
        with pytest.raises(rules.NoPackInForce):
            queries.evaluate(env=stranger, extension_point="subsidy_factor", as_of=JAN, values={})
        assert queries.list_packs(env=stranger) == []


class TestEvaluate:
    def test_answers_with_the_version_in_force_on_the_date(self) -> None:
        world = World()
        _publish(world, _draft(world)["id"])
        _publish(
            world,
            _draft(
                world,
                graphs.subsidy_graph("-0.55"),
                effective_from=date(2026, 7, 1),
                test_cases=[
                    {
                        "name": "e1",
                        "given": graphs.SUBSIDY_CASES[0]["given"],
                        "expected": {"factor": -0.55},
                    }
                ],
            )["id"],
        )
        values = graphs.SUBSIDY_CASES[0]["given"]

        june = queries.evaluate(
            env=world.env_for("dan", identity.Role.AGENT),
            extension_point="subsidy_factor",
            as_of=date(2026, 6, 30),
            values=values,
        )
        july = queries.evaluate(
            env=world.env_for("dan", identity.Role.AGENT),
            extension_point="subsidy_factor",
            as_of=date(2026, 7, 1),
            values=values,
        )

        assert (june["version"], june["answer"]["factor"]) == (1, Decimal("-0.6"))
        assert (july["version"], july["answer"]["factor"]) == (2, Decimal("-0.55"))

    def test_a_draft_never_answers(self) -> None:
        world = World()
        _draft(world)

        with pytest.raises(rules.NoPackInForce):
            queries.evaluate(
                env=world.env_for("ana"), extension_point="subsidy_factor", as_of=JAN, values={}
            )


class TestShippedPacks:
    def test_installs_every_shipped_pack_published_and_audited(self) -> None:
        world = World()
        admin = world.env_for("root", identity.Role.ADMIN)

        installed = operations.install_shipped_packs(env=admin, packs=shipped.shipped_packs())
        again = operations.install_shipped_packs(env=admin, packs=shipped.shipped_packs())

        assert {p["extension_point"] for p in installed} == set(rules.CATALOGUE)
        assert all(p["status"] == "PUBLISHED" and p["author_id"] == "urbis" for p in installed)
        assert again == ()
        assert [e.action for e in world.audit.entries] == ["installed"] * len(installed)

    def test_each_extension_point_answers_after_installation(self) -> None:
        world = World()
        operations.install_shipped_packs(
            env=world.env_for("root", identity.Role.ADMIN), packs=shipped.shipped_packs()
        )
        agent = world.env_for("dan", identity.Role.AGENT)

        answer = queries.evaluate(
            env=agent,
            extension_point="collection_action",
            as_of=date(2026, 11, 2),
            values={
                "days_overdue": 150,
                "amount_overdue": Decimal("380000"),
                "segment": "RESIDENTIAL",
                "medical_dependency": True,
                "open_claim": False,
                "payment_arrangement": False,
            },
        )

        assert answer["answer"]["action"] == "REFER_TO_AGENT"
        assert answer["answer"]["protected"] is True

    def test_lists_the_questions_with_their_fields(self) -> None:
        points = {p["key"]: p for p in queries.extension_points()}

        assert [f["name"] for f in points["deposit_required"]["output"]] == [
            "required",
            "amount",
            "reason",
        ]
