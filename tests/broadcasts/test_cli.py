"""`backorder-bot broadcast`: a dry run shows who and what, send queues and prints the id, show and
list print the contract's JSON, stop stops; bad input is one line on stderr, nothing queued."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from storage.store import open_store
from tests.broadcasts import shop
from tests.databases import use_database
from tests.sql import fetch_all

SHOW_KEYS = {"id", "status", "segment", "recipients", "sent", "held", "failed", "pending"}


@pytest.fixture
async def db_path(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = database_url
    store = await open_store(path)
    await shop.seed(store)
    await store.close()
    use_database(monkeypatch, path)
    monkeypatch.setenv("BACKORDER_NOW", shop.NOW.isoformat())
    monkeypatch.chdir(tmp_path)
    return path


def outbox_rows(path: str) -> list[tuple[str, str]]:
    """The outbox's (customer_id, text) rows."""

    async def read() -> list[tuple[str, str]]:
        store = await open_store(path)
        try:
            rows = await fetch_all(
                store, "SELECT customer_id, text FROM outbox ORDER BY customer_id"
            )
        finally:
            await store.close()
        return [(str(row[0]), str(row[1])) for row in rows]

    return asyncio.run(read())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["broadcast", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_dry_run_shows_recipients_by_language_and_a_sample_each_and_queues_nothing(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "send",
        "--all",
        "--template",
        "supplier_delay",
        "--param",
        "sku=CHAIR",
        "--dry-run",
        "--json",
    )
    assert code == 0
    shown = json.loads(out)
    # Dmitri (ru) and Filipe (pt-BR) wait for desks only: a chair's delay is not theirs.
    assert shown["by_language"] == {"de": 1, "en": 2, "es": 1}
    assert (shown["recipients"], shown["held"], shown["not_linked"], shown["fallback"]) == (
        4,
        0,
        1,
        0,
    )
    assert shown["without_product"] == 2
    assert set(shown["samples"]) == {"de", "en", "es"}
    assert "A1" in shown["samples"]["de"]
    code, out, _ = run(
        capsys, "send", "--all", "--template", "supplier_delay", "--param", "sku=CHAIR", "--dry-run"
    )
    assert code == 0
    assert "recipients: 4\n" in out
    assert "  de: 1\n" in out and "not linked (cannot be reached): 1" in out
    assert "left out, no open line of the product this template is about: 2" in out
    assert "--- sample (es) ---" in out and "<b>" not in out
    assert outbox_rows(db_path) == []


def test_send_queues_and_prints_the_id_that_show_list_and_stop_take(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "send", "--sku", "CHAIR", "--template", "supplier_delay", "--param", "sku=CHAIR"
    )
    assert code == 0
    broadcast_id = int(out)
    assert f"queued broadcast {broadcast_id} for 4 recipients" in err
    assert len(outbox_rows(db_path)) == 4
    code, out, _ = run(capsys, "show", str(broadcast_id), "--json")
    shown = json.loads(out)
    assert SHOW_KEYS | {"by_language"} <= set(shown)
    assert {key: shown[key] for key in SHOW_KEYS} == {
        "id": broadcast_id,
        "status": "queued",
        "segment": {"kind": "sku", "values": ["CHAIR"], "language": None, "jurisdiction": None},
        "recipients": 4,
        "sent": 0,
        "held": 0,
        "failed": 0,
        "pending": 4,
    }
    assert shown["by_language"]["de"]["recipients"] == 1
    code, out, _ = run(capsys, "list", "--json")
    assert [item["id"] for item in json.loads(out)] == [broadcast_id]
    code, out, _ = run(capsys, "stop", str(broadcast_id))
    assert code == 0
    assert out.startswith(f"broadcast {broadcast_id} stopped: 4 copies withdrawn")
    code, out, _ = run(capsys, "show", str(broadcast_id), "--json")
    assert (json.loads(out)["status"], json.loads(out)["pending"]) == ("stopped", 0)
    code, out, _ = run(capsys, "stop", str(broadcast_id))
    assert (code, out) == (0, f"broadcast {broadcast_id} is already stopped: nothing to stop\n")


def test_free_text_files_per_language_reach_each_recipient_escaped(
    db_path: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "de.txt").write_text("\ufeffLiebe Kundin, <bald>!\n", encoding="utf-8")
    (tmp_path / "en.txt").write_text("Dear customer, soon & sure.", encoding="utf-8")
    code, out, _ = run(
        capsys, "send", "--po", "PO-1", "--text", "de=de.txt", "--text", "en=en.txt", "--json"
    )
    assert code == 0
    queued = json.loads(out)
    assert (queued["recipients"], queued["fallback"]) == (2, 0)
    assert outbox_rows(db_path) == [
        (shop.ANNA, "Liebe Kundin, &lt;bald&gt;!"),
        (shop.BEN, "Dear customer, soon &amp; sure."),
    ]


@pytest.mark.parametrize(
    ("argv", "code", "error"),
    [
        (["--all", "--sku", "CHAIR", "--template", "stock_arrived"], 1, "not allowed with"),
        (["--all"], 2, "one of the arguments --template --text is required"),
        (["--template", "stock_arrived"], 2, "one of the arguments --all --sku"),
        (["--all", "--template", "weather"], 1, "backorder-bot: no template 'weather'"),
        (["--all", "--template", "stock_arrived"], 1, "the template needs --param sku=VALUE"),
        (
            ["--all", "--template", "stock_arrived", "--param", "sku=CHAIR", "--param", "mood=x"],
            1,
            "the template has no parameter 'mood'",
        ),
        (["--all", "--template", "stock_arrived", "--param", "skuCHAIR"], 1, "KEY=VALUE"),
        (
            ["--sku", "NOPE", "--template", "supplier_delay", "--param", "sku=CHAIR"],
            1,
            "no product with SKU 'NOPE'",
        ),
        (
            ["--all", "--template", "supplier_delay", "--param", "sku=NOPE"],
            1,
            "no product with SKU 'NOPE'",
        ),
        (
            ["--po", "PO-404", "--template", "supplier_delay", "--param", "sku=CHAIR"],
            1,
            "no purchase order 'PO-404'",
        ),
        (
            ["--supplier", "Nobody", "--template", "supplier_delay", "--param", "sku=CHAIR"],
            1,
            "no product has the supplier 'Nobody'",
        ),
        (
            ["--orders", "A1,ZZ", "--template", "supplier_delay", "--param", "sku=CHAIR"],
            1,
            "no order 'ZZ'",
        ),
        (
            ["--orders", "I1", "--template", "supplier_delay", "--param", "sku=CHAIR"],
            1,
            "no customer is in this segment",
        ),
        (
            [
                "--all",
                "--jurisdiction",
                "UK",
                "--template",
                "supplier_delay",
                "--param",
                "sku=CHAIR",
            ],
            1,
            "none of the 1 customer of this segment has linked a chat",
        ),
        (["--all", "--text", "de=latin1.txt"], 1, "latin1.txt: not UTF-8 text"),
        (["--all", "--text", "de=missing.txt"], 1, "missing.txt: cannot read it"),
        (["--all", "--text", "de=de.txt"], 1, "no --text for the default language en"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_queues_nothing(
    db_path: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    code: int,
    error: str,
) -> None:
    (tmp_path / "latin1.txt").write_bytes("Grüße".encode("latin-1"))
    (tmp_path / "de.txt").write_text("Hallo", encoding="utf-8")
    try:
        returned = main(["broadcast", "send", *argv])
    except SystemExit as exc:
        returned = int(str(exc.code))
    _, err = capsys.readouterr()
    assert returned == code
    assert error in err
    if code == 1:
        assert err.count("\n") == 1
    assert outbox_rows(db_path) == []


def test_show_and_stop_of_an_unknown_broadcast_say_so_on_stderr(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "show", "9") == (1, "", "backorder-bot: no broadcast 9\n")
    assert run(capsys, "stop", "9") == (1, "", "backorder-bot: no broadcast 9\n")
    assert run(capsys, "list") == (0, "no broadcasts yet\n", "")


def test_a_broadcast_sent_at_night_counts_its_copies_waiting_for_the_customers_morning(
    db_path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 22:30 in UTC, the shop's zone and its customers' (none has one of their own): quiet hours.
    monkeypatch.setenv("BACKORDER_NOW", "2026-12-02T22:30:00+00:00")
    request = ("send", "--all", "--template", "supplier_delay", "--param", "sku=CHAIR")
    code, out, _ = run(capsys, *request, "--dry-run", "--json")
    assert code == 0
    shown = json.loads(out)
    assert (shown["recipients"], shown["held"], shown["waiting_for_morning"]) == (4, 0, 4)
    code, out, _ = run(capsys, *request, "--dry-run")
    assert "in their quiet hours now: 4 (they get it from 08:00 their time)" in out

    code, out, _ = run(capsys, *request)
    assert code == 0
    broadcast_id = out.strip()
    code, out, _ = run(capsys, "show", broadcast_id, "--json")
    night = json.loads(out)
    assert (night["status"], night["pending"], night["waiting_for_morning"]) == ("queued", 4, 4)
    assert night["held"] == 0 and night["recipients"] == 4
    assert night["without_product"] == 2

    monkeypatch.setenv("BACKORDER_NOW", "2026-12-03T08:00:00+00:00")
    code, out, _ = run(capsys, "show", broadcast_id, "--json")
    morning = json.loads(out)
    assert (morning["pending"], morning["waiting_for_morning"]) == (4, 0)


def test_a_product_template_for_a_product_nobody_in_the_segment_waits_for_is_refused(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "send", "--po", "PO-1", "--template", "supplier_delay", "--param", "sku=DESK"
    )
    assert (code, out) == (1, "")
    assert "no customer of this segment has an open line of DESK" in err
    assert "nothing queued" in err
    assert outbox_rows(db_path) == []


def test_show_counts_the_customers_left_out_for_want_of_the_product(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "send", "--all", "--template", "supplier_delay", "--param", "sku=DESK"
    )
    assert code == 0
    assert "4 customers of the segment left out: no open line of the product" in err
    code, out, _ = run(capsys, "show", out.strip())
    assert "left out, no open line of the product this template is about: 4" in out
    assert {customer for customer, _ in outbox_rows(db_path)} == {
        shop.DMITRI,
        shop.FILIPE,
        shop.HUGO,
    }


def test_orders_are_read_as_customers_type_them(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--template", "supplier_delay", "--param", "sku=CHAIR", "--dry-run", "--json"]
    code, out, err = run(capsys, "send", "--orders", "#a1, b1", *argv)
    exact_code, exact, _ = run(capsys, "send", "--orders", "A1,B1", *argv)
    assert (code, err, exact_code) == (0, "", 0)
    assert json.loads(out)["recipients"] == json.loads(exact)["recipients"] > 0
