"""Tariff and rating use cases against an in-memory repository."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from tests.unit.rating.fakes import AuditTrail, InMemoryTariffs, env_for
from urbis.adapters.tariffs import files
from urbis.application.rating import queries
from urbis.application.tariffs import operations
from urbis.application.tariffs import queries as tariff_queries
from urbis.domain import identity, rating, tariffs


def document() -> dict[str, Any]:
    return {
        "format": "urbis-tariff/1",
        "code": "FLAT",
        "name": "Flat with a fixed charge",
        "versions": [
            {
                "version": "2024-01",
                "active_from": "2024-01-01",
                "active_to": "2024-02-01",
                "currency": "USD",
                "fixed": [{"name": "Customer charge", "amount": "10"}],
                "energy": {"periods": [{"name": "all", "tiers": [{"price": "0.1"}]}]},
            }
        ],
    }


def february() -> dict[str, Any]:
    version: dict[str, Any] = copy.deepcopy(document()["versions"][0])
    version.update(version="2024-02", active_from="2024-02-01", active_to=None)
    version["energy"]["periods"][0]["tiers"][0]["price"] = "0.2"
    return version


ADMIN = identity.Role.TARIFF_ADMIN


class TestTariffUseCases:
    def test_creates_a_tariff_and_adds_a_version_leaving_the_first_untouched(self) -> None:
        repository = InMemoryTariffs()
        env = env_for(ADMIN, repository=repository)
        operations.create_tariff(env=env, document=document())
        first = repository.stored["FLAT"].versions[0]

        result = operations.add_version(env=env, code="FLAT", version=february())

        assert [v["version"] for v in result["versions"]] == ["2024-01", "2024-02"]
        assert repository.stored["FLAT"].versions[0] is first

    def test_audits_the_creation_and_each_added_version(self) -> None:
        audit = AuditTrail()
        env = env_for(ADMIN, audit=audit)

        operations.create_tariff(env=env, document=document())
        operations.add_version(env=env, code="FLAT", version=february())

        assert [(e.entity, e.entity_id, e.action) for e in audit.entries] == [
            ("tariff", "FLAT", "create"),
            ("tariff", "FLAT", "add_version"),
        ]
        assert audit.entries[1].before is not None
        assert len(audit.entries[1].before["versions"]) == 1
        assert audit.entries[1].after is not None
        assert len(audit.entries[1].after["versions"]) == 2

    def test_refuses_a_second_tariff_with_the_same_code(self) -> None:
        env = env_for(ADMIN)
        operations.create_tariff(env=env, document=document())

        with pytest.raises(operations.TariffExists) as caught:
            operations.create_tariff(env=env, document=document())

        assert caught.value.code == "tariff_exists"

    @pytest.mark.parametrize(
        "roles",
        [(identity.Role.AGENT,), (identity.Role.BILLING_ANALYST,), (identity.Role.CUSTOMER,)],
    )
    def test_refuses_writes_without_a_tariff_role(self, roles: tuple[identity.Role, ...]) -> None:
        repository = InMemoryTariffs()
        env = env_for(*roles, repository=repository)

        with pytest.raises(identity.RoleRequired):
            operations.create_tariff(env=env, document=document())

        assert repository.stored == {}

    def test_lets_an_admin_write_tariffs(self) -> None:
        env = env_for(identity.Role.ADMIN)

        result = operations.create_tariff(env=env, document=document())

        assert result["code"] == "FLAT"

    def test_stores_nothing_when_a_version_overlaps(self) -> None:
        repository = InMemoryTariffs()
        env = env_for(ADMIN, repository=repository)
        operations.create_tariff(env=env, document=document())
        overlapping = {**february(), "active_from": "2024-01-15"}

        with pytest.raises(tariffs.OverlappingVersions) as caught:
            operations.add_version(env=env, code="FLAT", version=overlapping)

        assert caught.value.code == "tariff_versions_overlap"
        assert len(repository.stored["FLAT"].versions) == 1

    def test_refuses_an_unknown_format(self) -> None:
        with pytest.raises(operations.UnknownTariffFormat):
            operations.create_tariff(env=env_for(ADMIN), document=document(), format="xlsx")

    def test_validation_answers_with_the_error_code_instead_of_raising(self) -> None:
        bad = {**document(), "colour": "blue"}

        result = operations.validate_tariff(env=env_for(identity.Role.AGENT), document=bad)

        assert result["valid"] is False
        assert result["error"]["code"] == files.InvalidTariffFile.code
        assert "colour" in result["error"]["message"]


class TestQueries:
    def test_lists_tariffs_and_gives_one_with_its_document(self) -> None:
        env = env_for(ADMIN)
        operations.create_tariff(env=env, document=document())

        listed = tariff_queries.list_tariffs(env=env)
        one = tariff_queries.get_tariff(env=env, code="FLAT")

        assert [t["code"] for t in listed] == ["FLAT"]
        assert files.tariff_from_document(document=one["document"]) == env.tariffs.get("FLAT")

    def test_names_an_unknown_tariff(self) -> None:
        with pytest.raises(operations.TariffNotFound):
            tariff_queries.get_tariff(env=env_for(ADMIN), code="NONE")


class TestSimulate:
    def test_rates_a_months_quantity_under_the_version_in_force(self) -> None:
        repository = InMemoryTariffs()
        env = env_for(ADMIN, repository=repository)
        operations.create_tariff(env=env, document=document())
        operations.add_version(env=env, code="FLAT", version=february())

        result = queries.simulate(
            repository=repository, code="FLAT", quantity="100", month=date(2024, 2, 1)
        )

        # 100 kWh × 0.2 + 10 fixed.
        assert result["total"] == "30.00"
        assert result["months"] == [
            {
                "month": "2024-02",
                "energy": "20.00",
                "demand": "0.00",
                "fixed": "10.00",
                "minimum": "0.00",
                "taxes": "0.00",
                "total": "30.00",
            }
        ]

    def test_names_an_unknown_tariff(self) -> None:
        with pytest.raises(operations.TariffNotFound):
            queries.simulate(
                repository=InMemoryTariffs(), code="NONE", quantity="1", month=date(2024, 1, 1)
            )

    def test_names_the_row_with_a_gap(self) -> None:
        rows = [
            {"start": "2024-01-01T00:00:00+00:00", "kwh": "1"},
            {"start": "2024-01-01T01:00:00+00:00", "kwh": "1"},
            {"start": "2024-01-01T03:00:00+00:00", "kwh": "1"},
        ]

        with pytest.raises(rating.InvalidUsage, match="Row 3: usage has a gap"):
            queries.parse_usage(rows=rows)

    def test_names_mixed_interval_lengths(self) -> None:
        rows = [
            {"start": "2024-01-01T00:00:00+00:00", "kwh": "1"},
            {"start": "2024-01-01T00:30:00+00:00", "kwh": "1"},
            {"start": "2024-01-01T01:15:00+00:00", "kwh": "1"},
        ]

        with pytest.raises(rating.InvalidUsage, match="mixed interval lengths"):
            queries.parse_usage(rows=rows)

    def test_refuses_timestamps_without_offset(self) -> None:
        with pytest.raises(rating.InvalidUsage, match="no UTC offset"):
            queries.parse_usage(rows=[{"start": "2024-01-01T00:00:00", "kwh": "1"}])
