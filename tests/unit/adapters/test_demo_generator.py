from collections import Counter
from datetime import UTC, datetime

import numpy as np
import polars as pl

from urbis.adapters.db.repositories import searchable, searchable_column
from urbis.adapters.demo import city, generator
from urbis.domain import accounts, customers

AS_AT = datetime(2026, 11, 1, tzinfo=UTC)


def one_batch(n: int, seed: int = 3) -> dict[str, pl.DataFrame]:
    (batch,) = generator.generate(
        tenant_id="T" * 26, run="0123456789", accounts=n, seed=seed, as_at=AS_AT, batch_size=n
    )
    return dict(batch.frames)


class TestDemoGenerator:
    def test_the_same_seed_makes_the_same_utility(self) -> None:
        first, second = one_batch(300), one_batch(300)

        assert first["parties"].equals(second["parties"])
        assert first["premises"].equals(second["premises"])
        assert not one_batch(300, seed=4)["parties"].equals(first["parties"])

    def test_every_nit_and_account_number_validates(self) -> None:
        frames = one_batch(2_000)

        nits = frames["parties"].filter(pl.col("document_type") == "NIT")["document_number"]
        for nit in nits.to_list():
            customers.IdentityDocument.parse(type=customers.DocumentType.NIT, number=nit)
        assert all(accounts.is_valid_account_number(n) for n in frames["accounts"]["number"])
        assert nits.len() > 0

    def test_homes_follow_the_citys_stratum_mix(self) -> None:
        premises = one_batch(20_000)["premises"]

        homes = premises.filter(pl.col("use_class") == "RESIDENTIAL")
        shares = Counter(homes["stratum"].to_list())
        for stratum, expected in enumerate(city.STRATUM_SHARES, start=1):
            assert abs(shares[stratum] / homes.height - expected) < 0.015
        assert premises.filter(pl.col("use_class") != "RESIDENTIAL")["stratum"].null_count() == (
            premises.height - homes.height
        )

    def test_each_account_has_electricity_water_and_sewer(self) -> None:
        frames = one_batch(500)

        per_account = frames["agreements"].group_by("account_id").len()
        assert per_account["len"].to_list() == [3] * 500
        assert set(frames["service_points"]["service"]) == {"ELECTRICITY", "WATER", "SEWER"}
        assert frames["meters"].height == 1_000

    def test_identity_documents_are_unique(self) -> None:
        parties = one_batch(5_000)["parties"]

        assert parties["document_number"].n_unique() == parties.height

    def test_search_columns_match_the_search_normalisation(self) -> None:
        parties = one_batch(1_000)["parties"]

        assert parties["name_search"].to_list() == [searchable(n) for n in parties["name"]]
        assert searchable_column(pl.Series(["  Álvaro  ÚSUGA Muñoz "]))[0] == searchable(
            "  Álvaro  ÚSUGA Muñoz "
        )


class TestVectorisedCheckDigits:
    def test_nit_digits_match_the_scalar_rule(self) -> None:
        bases = np.array([890904996, 830037248, 800197268, 900000001, 912345678])

        digits = generator.nit_check_digits(bases)

        assert digits.tolist() == [customers.nit_check_digit(str(b)) for b in bases]

    def test_luhn_digits_match_the_scalar_rule(self) -> None:
        sequences = np.arange(1, 3_000, 7)

        digits = generator.luhn_check_digits(sequences)

        assert digits.tolist() == [accounts.luhn_check_digit(f"{s:09d}") for s in sequences]
