"""`backorder-bot import KIND FILE` imports all or nothing and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.importing.samples import PRODUCTS


def test_importing_a_good_file_exits_0_and_reports_the_rows(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    products = tmp_path / "products.csv"
    products.write_text(PRODUCTS, encoding="utf-8")

    assert main(["import", "products", str(products)]) == 0

    assert capsys.readouterr().out == f"{products}: imported 3 rows of products\n"


def test_importing_a_bad_file_exits_1_with_located_errors_and_changes_nothing(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    products = tmp_path / "products.csv"
    products.write_text(PRODUCTS, encoding="utf-8")
    assert main(["import", "products", str(products)]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,price,currency,on_hand\nMUG-1,Renamed,1.00,EUR,-2\n")

    assert main(["import", "products", str(bad)]) == 1

    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{bad}:2: on_hand: ")
    assert err[-1] == f"{bad}: nothing imported (1 error)"
    assert main(["order", "nothing-here"]) == 1
    good_again = tmp_path / "again.csv"
    good_again.write_text("sku,name,price,currency,on_hand\nMUG-1,Blue mug,12.50,EUR,3\n")
    assert main(["import", "products", str(good_again)]) == 0
    assert "imported 1 row " in capsys.readouterr().out
