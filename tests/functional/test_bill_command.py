"""`urbis bill pdf` as an operator uses it."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
from typer.testing import CliRunner

from urbis.interfaces.cli.main import app

runner = CliRunner()


class TestBillPdfCommand:
    def test_writes_the_demo_bill_in_english(self, tmp_path: Path) -> None:
        out = tmp_path / "bill.pdf"

        result = runner.invoke(app, ["bill", "pdf", "--demo", "--language", "en", str(out)])

        assert result.exit_code == 0, result.output
        text = pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
        assert "Total due" in text
        assert "0000001420" in result.output

    def test_refuses_an_unknown_language_and_writes_nothing(self, tmp_path: Path) -> None:
        out = tmp_path / "bill.pdf"

        result = runner.invoke(app, ["bill", "pdf", "--demo", "--language", "fr", str(out)])

        assert result.exit_code == 2
        assert "invalid_language" in result.output
        assert not out.exists()

    def test_says_that_only_the_demo_bill_is_available(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["bill", "pdf", str(tmp_path / "bill.pdf")])

        assert result.exit_code == 2
        assert "bill_source_missing" in result.output
