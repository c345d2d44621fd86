"""`luisterpost import`: CSV exports mapped onto Mention JSON v1 (docs/intake.md), JSON lines sent as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.mention import Invalid, Mention, parse
from luisterpost.config import ConfigError
from luisterpost.importer import parse_map, records


def _csv(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _mentions(path: Path, mapping: dict[str, str] | None = None, timezone: str | None = None) -> list[dict]:
    return [json.loads(value) for value in records(path, mapping or {}, timezone)]


def test_design_names_and_dotted_columns_make_a_valid_mention(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,platform,created_at,text,author.handle,author.followers,thread.root_id,url\n"
                          "li:1,linkedin,2018-11-26T22:45:00+01:00,\"Te laat, weer.\",robb,25000,,https://x.nl/1\n")
    [mention] = _mentions(path)
    assert mention == {"id": "li:1", "platform": "linkedin", "created_at": "2018-11-26T22:45:00+01:00",
                       "text": "Te laat, weer.", "author": {"handle": "robb", "followers": 25000},
                       "url": "https://x.nl/1"}  # the empty root_id cell is an absent field
    assert isinstance(parse(json.dumps(mention).encode()), Mention)


def test_a_dutch_spreadsheet_export_with_common_names(tmp_path: Path) -> None:
    """BOM, ';' as separator, naive dates read in the given zone, plain column names, an extra column kept."""
    path = _csv(tmp_path, "\ufeffMention ID;Network;Date;Content;Author;Followers;Sentiment\n"
                          "fb:9;facebook;2026-03-02 21:15:00;Nooit meer!;@klant;1.200;negatief\n")
    [mention] = _mentions(path, timezone="Europe/Amsterdam")
    assert mention["id"] == "fb:9" and mention["platform"] == "facebook" and mention["text"] == "Nooit meer!"
    assert mention["created_at"] == "2026-03-02T21:15:00+01:00"
    assert mention["author"] == {"handle": "@klant", "followers": "1.200"}  # not plainly a count: ingest judges
    assert mention["Sentiment"] == "negatief"
    verdict = parse(json.dumps(mention).encode())
    assert isinstance(verdict, Invalid) and verdict.reason.startswith("author.followers")


def test_without_a_zone_a_naive_date_is_left_for_ingest_to_refuse(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,platform,date,text\nx:1,x,2026-03-02 21:15:00,hoi\n")
    verdict = parse(json.dumps(_mentions(path)[0]).encode())
    assert isinstance(verdict, Invalid) and "no UTC offset" in verdict.reason


def test_map_option_names_vendor_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Bericht,Kanaal,Datum,Nr\nZeurpiet.,x,2026-03-02T21:15:00Z,7\n")
    [mention] = _mentions(path, parse_map(["Bericht=text", "Kanaal=platform", "Datum=created_at", "Nr=id"]))
    assert isinstance(parse(json.dumps(mention).encode()), Mention)
    with pytest.raises(ConfigError, match="'txt' is not a Mention JSON v1 field"):
        list(records(path, parse_map(["Bericht=txt"]), None))
    with pytest.raises(ConfigError, match="COLUMN=FIELD"):
        parse_map(["Bericht"])


def test_jsonl_lines_go_as_they_are_even_when_broken(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(b'{"id": "a"}\r\n\n{broken\n')
    assert list(records(path, {}, None)) == [b'{"id": "a"}', b"{broken"]  # ingest dead-letters the second


def test_a_json_array_export_is_sent_item_by_item(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('[{"id": "a", "text": "café"}, {"id": "b"}, 7]', encoding="utf-8")
    assert list(records(path, {}, None)) == ['{"id": "a", "text": "café"}'.encode(), b'{"id": "b"}', b"7"]
    path.write_text('{"id": "a"}\n{"id": "b"}\n', encoding="utf-8")  # JSON lines named .json
    assert list(records(path, {}, None)) == [b'{"id": "a"}', b'{"id": "b"}']


def test_other_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"expected a \.jsonl"):
        records(tmp_path / "export.xlsx", {}, None)
    with pytest.raises(ConfigError, match="--timezone"):
        records(_csv(tmp_path, "id\n1\n"), {}, "Mars/Olympus")
