"""Announcement sources, document readers, extraction rules and the diplomacy-events CSV."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest

from pipelines.lib import announcements as ann
from pipelines.lib.announcements import (
    FetchError,
    Source,
    SourceConfigError,
    extract,
    fetch_url,
    load_sources,
    read_all,
    read_events,
    read_source,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
ANNOUNCEMENTS = REPO_ROOT / "data" / "inputs" / "announcements"
EVENTS_CSV = ANNOUNCEMENTS / "events" / "critical_minerals_diplomacy_events.csv"

US_INDIA_TITLE = (
    "Secretary Rubio and External Affairs Minister Jaishankar Discuss "
    "U.S.-India Critical Minerals Cooperation"
)
CONTROL_TITLE = "Department Press Briefing Schedule"

RSS_ITEM = """<item><title>{title}</title><link>{link}</link>{guid}
<pubDate>Tue, 03 Feb 2026 12:00:00 -0500</pubDate><description>{body}</description></item>"""


def rss(*items: str) -> bytes:
    channel = "".join(items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Test</title>'
        f"<link>https://example.org/</link><description>d</description>{channel}</channel></rss>"
    ).encode()


def item(title: str, body: str, link: str = "https://example.org/a", guid: str | None = "g-1") -> str:
    guid_xml = f'<guid isPermaLink="false">{guid}</guid>' if guid else ""
    return RSS_ITEM.format(title=title, link=link, guid=guid_xml, body=body)


def local(tmp_path: Path, name: str, data: bytes, kind: str) -> tuple[Source, Path]:
    (tmp_path / name).write_bytes(data)
    return Source(name="test", kind=kind, path=name), tmp_path


@pytest.fixture(scope="module")
def shipped() -> dict[str, list[dict]]:
    """Documents of every enabled shipped source, by source name; nothing may be quarantined."""
    by_source: dict[str, list[dict]] = {}
    for source in load_sources(ANNOUNCEMENTS / "sources.yaml"):
        documents, quarantine = read_source(source, ANNOUNCEMENTS)
        assert quarantine == [], (source.name, quarantine)
        if source.enabled:
            by_source[source.name] = documents
    return by_source


def by_title(documents: list[dict], title: str) -> dict:
    matches = [document for document in documents if document["title"] == title]
    assert len(matches) == 1, [document["title"] for document in documents]
    return matches[0]


# --- sources.yaml ---------------------------------------------------------------------------


def test_shipped_sources_enable_local_files_and_disable_live_feeds():
    sources = {source.name: source for source in load_sources(ANNOUNCEMENTS / "sources.yaml")}
    local_sources = [source for source in sources.values() if source.path is not None]
    url_sources = [source for source in sources.values() if source.url is not None]
    assert {source.kind for source in local_sources} == {"events_csv", "rss", "atom", "html", "text"}
    assert all(source.enabled for source in local_sources)
    assert all((ANNOUNCEMENTS / source.path).is_file() for source in local_sources)
    assert {source.url for source in url_sources} == {
        "https://www.state.gov/rss-feed/press-releases/feed/",
        "https://pib.gov.in/RssMain.aspx?ModId=6&Lang=1&Regid=3",
    }
    assert not any(source.enabled for source in url_sources)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{name: a, kind: pdf, path: a.pdf}", "unknown kind 'pdf'"),
        ("{name: a, kind: rss}", "exactly one of `path` or `url`"),
        ("{name: a, kind: rss, path: a.xml, url: 'https://example.org/a.xml'}", "exactly one of"),
        ("{name: a, kind: rss, path: ../../secrets.xml}", "escapes the announcements folder"),
        ("{name: a, kind: rss, path: /etc/passwd}", "must be relative"),
        ("{name: a, kind: rss, url: 'file:///etc/passwd'}", "absolute http(s) URL"),
        ("{name: a, kind: rss, path: a.xml, enable: false}", "unknown key(s) ['enable']"),
        ("{name: a, kind: rss, path: a.xml, enabled: 'no'}", "`enabled` must be true or false"),
        ("{kind: rss, path: a.xml}", "`name` is required"),
    ],
)
def test_load_sources_rejects_bad_entries_naming_file_and_entry(tmp_path, entry, message):
    config = tmp_path / "sources.yaml"
    config.write_text(f"sources:\n  - {{name: ok, kind: text, path: ok.txt}}\n  - {entry}\n")
    with pytest.raises(SourceConfigError) as error:
        load_sources(config)
    text = str(error.value)
    assert message in text
    assert str(config) in text
    assert "source #2" in text


def test_load_sources_rejects_duplicate_names(tmp_path):
    config = tmp_path / "sources.yaml"
    config.write_text("- {name: a, kind: text, path: a.txt}\n- {name: a, kind: text, path: b.txt}\n")
    with pytest.raises(SourceConfigError, match="duplicate source name 'a'"):
        load_sources(config)


# --- reading each shipped document kind ----------------------------------------------------


def test_rss_feed_items(shipped):
    documents = shipped["state_dept_press"]
    assert len(documents) == 5
    first = documents[0]
    assert first["title"] == US_INDIA_TITLE
    assert first["published_date"] == date(2026, 2, 3)
    assert first["url"].startswith("https://www.newindianexpress.com/nation/2026/Feb/04/")
    assert first["kind"] == "rss"
    assert first["source_file"] == "documents/state_dept_press.rss.xml"
    assert "exploration, mining and processing" in first["body"]
    assert "<p>" not in first["body"]
    assert len({document["announcement_id"] for document in documents}) == 5


def test_atom_feed_entries(shipped):
    documents = shipped["partners"]
    assert [document["published_date"] for document in documents] == [
        date(2023, 6, 28),
        date(2024, 5, 23),
        date(2025, 2, 13),
        date(2025, 4, 30),
    ]
    crma = by_title(documents, "EU Critical Raw Materials Act Enters into Force")
    assert "Regulation (EU) 2024/1252" in crma["body"]
    assert "&lt;p&gt;" not in crma["body"] and "<p>" not in crma["body"]


@pytest.mark.parametrize(
    ("source_name", "title", "published", "url_start"),
    [
        (
            "us_australia_framework_page",
            "United States and Australia Sign Critical Minerals and Rare Earths Framework",
            date(2025, 10, 20),
            "https://americanfocus.online/",
        ),
        (
            "us_japan_framework_page",
            "United States and Japan Sign Framework on Critical Minerals and Rare Earths",
            date(2025, 10, 28),
            "https://thefederalnewswire.com/",
        ),
    ],
)
def test_html_page_title_date_and_main_text_without_boilerplate(
    shipped, source_name, title, published, url_start
):
    [document] = shipped[source_name]
    assert document["title"] == title
    assert document["published_date"] == published
    assert document["url"].startswith(url_start)
    assert document["body"].startswith("President Trump and Prime Minister")
    for boilerplate in ("Privacy", "Press Releases", "Subscribe", "Follow our coverage", "Skip to main"):
        assert boilerplate not in document["body"]


def test_text_and_markdown_documents(shipped):
    [agreement] = shipped["us_japan_cma_note"]
    assert agreement["title"] == "United States and Japan Sign Critical Minerals Agreement"
    assert agreement["published_date"] == date(2023, 3, 28)
    assert agreement["url"].startswith("https://ustr.gov/")
    assert agreement["body"].startswith("U.S. Trade Representative Katherine Tai")
    assert "Date:" not in agreement["body"] and "Source:" not in agreement["body"]

    [usgs] = shipped["usgs_list_note"]
    assert usgs["title"] == "USGS Publishes the Final 2025 List of Critical Minerals"
    assert usgs["published_date"] == date(2025, 11, 7)
    assert "**" not in usgs["body"] and "\n- " not in usgs["body"]
    assert "silver and uranium" in usgs["body"]


def test_events_csv_as_a_source(shipped):
    documents = shipped["diplomacy_events"]
    assert len(documents) == 18
    rubio = by_title(
        documents,
        "Secretary Rubio and EAM Jaishankar discuss formalizing bilateral cooperation on critical minerals "
        "exploration, mining and processing",
    )
    assert rubio["published_date"] == date(2026, 2, 3)
    assert rubio["url"].startswith("https://www.newindianexpress.com/")


# --- extraction on the shipped documents -----------------------------------------------------

EXPECTED = [
    # (source, title, parties, mentioned, minerals, stages, instrument, is_cooperation)
    (
        "state_dept_press",
        US_INDIA_TITLE,
        ["IND", "USA"],
        [],
        ["critical minerals"],
        ["exploration", "mining", "processing"],
        "meeting",
        True,
    ),
    (
        "state_dept_press",
        "United States Hosts the Inaugural Critical Minerals Ministerial",
        ["USA"],
        ["IND"],
        ["critical minerals"],
        [],
        "meeting",
        True,
    ),
    ("state_dept_press", CONTROL_TITLE, [], [], [], [], "none", False),
    (
        "state_dept_press",
        "Quad Foreign Ministers Launch the Quad Critical Minerals Initiative",
        ["AUS", "IND", "JPN", "USA"],
        [],
        ["critical minerals"],
        ["recycling"],
        "partnership",
        True,
    ),
    (
        "state_dept_press",
        "Minerals Security Partnership Partners Launch the MSP Finance Network",
        ["EUU", "IND", "USA"],
        [],
        ["critical minerals"],
        [],
        "partnership",
        True,
    ),
    (
        "partners",
        "India Releases List of 30 Critical Minerals",
        ["IND"],
        [],
        ["critical minerals"],
        [],
        "policy_list",
        False,
    ),
    (
        "partners",
        "EU Critical Raw Materials Act Enters into Force",
        ["EUU"],
        [],
        ["critical minerals"],
        ["mining", "processing", "recycling"],
        "policy_list",
        False,
    ),
    (
        "partners",
        "India and the US Launch the TRUST Initiative, Including Strategic Mineral Recovery",
        ["IND", "USA"],
        [],
        ["critical minerals", "lithium", "rare earths"],
        ["processing", "recycling"],
        "partnership",
        True,
    ),
    (
        "partners",
        "Ukraine and the United States Sign Agreement Establishing a Reconstruction Investment Fund",
        ["UKR", "USA"],
        [],
        ["critical minerals"],
        ["mining"],
        "agreement",
        True,
    ),
    (
        "us_australia_framework_page",
        "United States and Australia Sign Critical Minerals and Rare Earths Framework",
        ["AUS", "USA"],
        [],
        ["critical minerals", "gallium", "rare earths"],
        ["mining", "processing"],
        "framework",
        True,
    ),
    (
        "us_japan_framework_page",
        "United States and Japan Sign Framework on Critical Minerals and Rare Earths",
        ["JPN", "USA"],
        [],
        ["critical minerals", "rare earths"],
        ["mining", "processing", "manufacturing"],
        "framework",
        True,
    ),
    (
        "us_japan_cma_note",
        "United States and Japan Sign Critical Minerals Agreement",
        ["JPN", "USA"],
        [],
        ["critical minerals"],
        ["processing"],
        "agreement",
        True,
    ),
    (
        "usgs_list_note",
        "USGS Publishes the Final 2025 List of Critical Minerals",
        ["USA"],
        [],
        ["copper", "critical minerals", "phosphate", "potash", "rhenium", "silicon", "silver", "uranium"],
        [],
        "policy_list",
        False,
    ),
]


@pytest.mark.parametrize(
    ("source", "title", "parties", "mentioned", "minerals", "stages", "instrument", "is_cooperation"),
    EXPECTED,
    ids=[row[1][:40] for row in EXPECTED],
)
def test_extraction_on_shipped_documents(
    shipped, source, title, parties, mentioned, minerals, stages, instrument, is_cooperation
):
    document = by_title(shipped[source], title)
    result = extract(document["title"], document["body"])
    assert result["parties"] == parties
    assert result["mentioned_countries"] == mentioned
    assert result["minerals"] == minerals
    assert result["stages"] == stages
    assert result["instrument"] == instrument
    assert result["is_cooperation"] is is_cooperation


def test_every_shipped_document_is_covered_by_the_expectations(shipped):
    feeds_and_files = {name: docs for name, docs in shipped.items() if name != "diplomacy_events"}
    titles = {document["title"] for documents in feeds_and_files.values() for document in documents}
    assert titles == {row[1] for row in EXPECTED}


def test_us_india_evidence_points_at_supporting_sentences(shipped):
    document = by_title(shipped["state_dept_press"], US_INDIA_TITLE)
    evidence = extract(document["title"], document["body"])["evidence"]
    assert evidence["parties"] == US_INDIA_TITLE
    assert evidence["instrument"] == US_INDIA_TITLE
    assert "exploration, mining and processing" in evidence["stages"]
    assert "critical minerals" in evidence["minerals"].lower()
    assert evidence["is_cooperation"] == US_INDIA_TITLE


def test_unrelated_item_is_rejected(shipped):
    document = by_title(shipped["state_dept_press"], CONTROL_TITLE)
    result = extract(document["title"], document["body"])
    assert result["is_cooperation"] is False
    assert result["minerals"] == []
    assert result["stages"] == []  # "visa processing" is not a value-chain stage
    assert "is_cooperation" not in result["evidence"]


def test_stages_are_only_read_in_texts_about_minerals():
    assert (
        extract("India and Japan agree to speed up application processing and recovery of lost files", "")["stages"]
        == []
    )
    assert extract("India and Japan agree to speed up processing of graphite", "")["stages"] == ["processing"]


# --- extraction rules -------------------------------------------------------------------------


def test_rivals_and_venues_are_mentioned_not_parties():
    result = extract(
        "Japan and Australia agree to cut dependence on China and Russia for rare earths",
        "Officials met in Brussels to discuss refining.",
    )
    assert result["parties"] == ["AUS", "JPN"]
    assert result["mentioned_countries"] == ["CHN", "EUU", "RUS"]
    assert result["instrument"] == "agreement"
    assert result["is_cooperation"] is True


def test_capitals_and_demonyms_stand_for_governments():
    result = extract("Canberra and Tokyo sign cobalt offtake framework", "")
    assert result["parties"] == ["AUS", "JPN"]
    assert extract("Brussels and New Delhi launch talks on graphite", "")["parties"] == ["EUU", "IND"]
    assert extract("Indian and Japanese firms discuss nickel refining", "")["parties"] == ["IND", "JPN"]


def test_us_needs_capitals_so_the_pronoun_us_is_no_country():
    assert extract("Join us for a talk on copper", "")["parties"] == []
    assert extract("America and India sign copper deal", "")["parties"] == ["IND", "USA"]


def test_mineral_synonyms_and_battery_wording():
    result = extract("Partners discuss REE, NdPr oxide and bauxite supply", "Alumina refining was covered.")
    assert result["minerals"] == ["aluminum", "rare earths"]
    assert extract("Canberra and Tokyo partner on lithium-ion batteries", "")["minerals"] == []
    assert extract("Canberra and Tokyo partner on lithium for lithium-ion batteries", "")["minerals"] == [
        "lithium"
    ]


def test_end_use_manufacturing_is_not_a_stage():
    end_use = extract("India and Japan agree on lithium refining for EV manufacturing", "")
    assert end_use["stages"] == ["processing"]
    stage = extract("India and Japan agree on rare earth magnet manufacturing", "")
    assert stage["stages"] == ["manufacturing"]


def test_unilateral_instruments_are_not_cooperation():
    controls = extract(
        "China imposes export controls on gallium and germanium",
        "Beijing said the measures target U.S. and Japanese chip makers.",
    )
    assert controls["instrument"] == "export_control"
    assert controls["parties"] == ["CHN"]
    assert controls["mentioned_countries"] == ["JPN", "USA"]
    assert controls["is_cooperation"] is False


def test_extract_without_title_uses_the_first_sentence():
    result = extract("", "The United States and Ukraine signed a minerals deal. China was not involved.")
    assert result["parties"] == ["UKR", "USA"]
    assert result["mentioned_countries"] == ["CHN"]
    assert result["instrument"] == "agreement"


# --- unsafe and broken inputs ----------------------------------------------------------------


def _feedparser_must_not_run(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("unsafe bytes reached feedparser")

    monkeypatch.setattr(ann.feedparser, "parse", refuse)


def test_external_entity_is_quarantined_and_never_resolved(tmp_path, monkeypatch):
    _feedparser_must_not_run(monkeypatch)
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<rss version="2.0"><channel><title>t</title><item><title>&x;</title>'
        b"<description>critical minerals</description></item></channel></rss>"
    )
    source, base = local(tmp_path, "xxe.xml", xxe, "rss")
    documents, quarantine = read_source(source, base)
    assert documents == []
    [record] = quarantine
    assert record["reason"].startswith("forbidden XML: external entity 'x'")
    assert "file:///etc/passwd" in record["reason"]
    assert "root:" not in record["record"]
    assert record["source"] == "test" and record["source_file"] == "xxe.xml" and record["source_line"] == 1


def test_billion_laughs_is_quarantined_without_expansion(tmp_path, monkeypatch):
    _feedparser_must_not_run(monkeypatch)
    entities = b'<!ENTITY lol "lol">\n' + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + entities + b"]>\n"
        b'<rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
    )
    source, base = local(tmp_path, "bomb.xml", bomb, "atom")
    documents, quarantine = read_source(source, base)  # refused at the declaration, never expanded
    assert documents == []
    [record] = quarantine
    assert record["reason"] == "forbidden XML: entity 'lol' declared (entity expansion); DTDs are refused"
    assert len(record["record"]) <= 500
    assert "lollollol" not in record["record"]


def test_any_doctype_is_refused(tmp_path, monkeypatch):
    _feedparser_must_not_run(monkeypatch)
    data = b'<?xml version="1.0"?><!DOCTYPE rss><rss version="2.0"><channel><title>t</title></channel></rss>'
    source, base = local(tmp_path, "doctype.xml", data, "rss")
    assert (
        read_source(source, base)[1][0]["reason"] == "forbidden XML: DOCTYPE 'rss' declared; DTDs are refused"
    )


@pytest.mark.parametrize(
    ("kind", "name", "data", "reason_start"),
    [
        (
            "rss",
            "broken.xml",
            b'<rss version="2.0"><channel><item><title>x</channel></rss>',
            "malformed XML: ",
        ),
        ("rss", "empty.xml", b"", "empty document"),
        ("atom", "blank.xml", b"  \n\t\n", "empty document"),
        (
            "rss",
            "latin.xml",
            b'<rss version="2.0"><channel><title>caf\xe9</title></channel></rss>',
            "undecodable",
        ),
        ("rss", "notfeed.xml", b"<html><body>hello</body></html>", "not an RSS or Atom feed"),
        ("text", "bad.txt", b"Title\nDate: 2026-02-03\n\n\xff\xfe\xfa body", "undecodable bytes"),
        ("text", "empty.md", b"", "empty document"),
        ("text", "nobody.txt", b"Only a title\nDate: 2026-02-03\n", "document has a title but no body"),
        ("text", "baddate.txt", b"Title\nDate: 3 Feb 2026\n\nBody text.", "Date header '3 Feb 2026'"),
        (
            "html",
            "bad.html",
            b"<html><head><meta charset='utf-8'></head><body>\xff\xfe</body></html>",
            "undecodable",
        ),
        ("html", "empty.html", b"", "empty document"),
        ("html", "nav.html", b"<html><head><title>T</title></head><body></body></html>", "no main text"),
    ],
)
def test_broken_documents_are_quarantined(tmp_path, kind, name, data, reason_start):
    source, base = local(tmp_path, name, data, kind)
    documents, quarantine = read_source(source, base)
    assert documents == []
    [record] = quarantine
    assert record["reason"].startswith(reason_start), record["reason"]
    assert record["source_file"] == name and record["source_line"] == 1
    assert set(record) == {"source", "source_file", "source_line", "reason", "record"}


def test_good_documents_still_flow_next_to_broken_ones(tmp_path):
    (tmp_path / "bad.xml").write_bytes(b"<rss><channel>")
    (tmp_path / "good.txt").write_text(
        "Canberra and Tokyo Sign Graphite MoU\nDate: 2026-01-05\n\nThe two governments signed an MoU."
    )
    sources = [
        Source("bad", "rss", path="bad.xml"),
        Source("good", "text", path="good.txt"),
        Source("missing", "text", path="missing.txt"),
    ]
    documents, quarantine = read_all(sources, tmp_path)
    assert [document["title"] for document in documents] == ["Canberra and Tokyo Sign Graphite MoU"]
    assert [(record["source"], record["reason"][:12]) for record in quarantine] == [
        ("bad", "malformed XM"),
        ("missing", "cannot read "),
    ]
    assert documents[0]["url"] is None and documents[0]["published_date"] == date(2026, 1, 5)


def test_feed_item_without_title_or_text_is_quarantined_alone(tmp_path):
    data = rss(
        item("", "", guid="empty"), item("Tokyo and Canberra sign nickel deal", "Signed today.", guid="ok")
    )
    source, base = local(tmp_path, "feed.xml", data, "rss")
    documents, quarantine = read_source(source, base)
    assert [document["title"] for document in documents] == ["Tokyo and Canberra sign nickel deal"]
    assert [record["reason"] for record in quarantine] == ["feed item has neither title nor text"]
    assert quarantine[0]["source_line"] is None  # an item inside the file, not the file itself


def test_duplicate_items_are_quarantined(tmp_path):
    data = rss(item("First", "Body one.", guid="same"), item("Second", "Body two.", guid="same"))
    source, base = local(tmp_path, "feed.xml", data, "rss")
    documents, quarantine = read_source(source, base)
    assert [document["title"] for document in documents] == ["First"]
    assert quarantine[0]["reason"].startswith("duplicate announcement_id")


# --- ids -------------------------------------------------------------------------------------


def test_ids_are_stable_across_reads(shipped):
    again = {
        source.name: read_source(source, ANNOUNCEMENTS)[0]
        for source in load_sources(ANNOUNCEMENTS / "sources.yaml")
        if source.enabled
    }
    for name, documents in shipped.items():
        assert [d["announcement_id"] for d in documents] == [d["announcement_id"] for d in again[name]]
        assert [d["content_hash"] for d in documents] == [d["content_hash"] for d in again[name]]
    every_id = [document["announcement_id"] for documents in shipped.values() for document in documents]
    assert len(every_id) == len(set(every_id))
    assert all(len(value) == 16 and int(value, 16) >= 0 for value in every_id)


def test_id_prefers_guid_then_canonical_url_then_content():
    by_guid = ann.announcement_id("feed", guid="g-1", url="https://example.org/a", title="T", body="B")
    assert by_guid == ann.announcement_id(
        "feed", guid="g-1", url="https://example.org/other", title="X", body="Y"
    )
    assert by_guid != ann.announcement_id("other_feed", guid="g-1", url=None, title="T", body="B")

    by_url = ann.announcement_id(
        "feed", guid=None, url="https://Example.org/a/?utm_source=x#top", title="T", body="B"
    )
    assert by_url == ann.announcement_id("feed", guid="", url="https://example.org/a", title="Other", body="")

    by_text = ann.announcement_id("feed", guid=None, url=None, title="Some  Title", body="Body\ntext")
    assert by_text == ann.announcement_id("feed", guid=None, url=None, title="some title", body="body text")
    assert by_text != ann.announcement_id("feed", guid=None, url=None, title="some title", body="other")


def test_rss_item_without_guid_is_identified_by_its_url(shipped):
    document = by_title(
        shipped["state_dept_press"], "Minerals Security Partnership Partners Launch the MSP Finance Network"
    )
    assert document["announcement_id"] == ann.announcement_id(
        "state_dept_press", guid=None, url="https://newkerala.com/news/2024/59836.htm/", title="", body=""
    )


# --- URL sources -----------------------------------------------------------------------------


def test_disabled_url_source_is_never_fetched():
    def fetch(url):
        raise AssertionError("fetched a disabled source")

    source = Source("live", "rss", url="https://example.org/feed.xml", enabled=False)
    assert read_source(source, ANNOUNCEMENTS, fetch=fetch) == ([], [])


def test_enabled_url_source_uses_the_injected_fetch():
    calls = []

    def fetch(url):
        calls.append(url)
        return rss(item("Tokyo and Canberra sign nickel deal", "Signed today.", guid="n-1"))

    source = Source("live", "rss", url="https://example.org/feed.xml")
    documents, quarantine = read_source(source, ANNOUNCEMENTS, fetch=fetch)
    assert calls == ["https://example.org/feed.xml"]
    assert quarantine == []
    assert documents[0]["source_file"] == "https://example.org/feed.xml"


def test_failed_fetch_is_quarantined():
    def fetch(url):
        raise FetchError("HTTP 503 from " + url)

    source = Source("live", "atom", url="https://example.org/feed.xml")
    documents, [record] = read_source(source, ANNOUNCEMENTS, fetch=fetch)
    assert documents == []
    assert record["reason"] == "fetch failed: HTTP 503 from https://example.org/feed.xml"
    assert record["source_line"] is None


def test_fetch_url_sends_user_agent_and_enforces_limits():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["user-agent"] = request.headers["User-Agent"]
        if request.url.path == "/big":
            return httpx.Response(200, content=b"x" * 2048)
        if request.url.path == "/gone":
            return httpx.Response(404)
        return httpx.Response(200, content=b"<rss/>")

    transport = httpx.MockTransport(handler)
    assert fetch_url("https://example.org/ok", transport=transport) == b"<rss/>"
    assert seen["user-agent"].startswith("minerals-pipeline/")
    with pytest.raises(FetchError, match="1,024-byte limit"):
        fetch_url("https://example.org/big", transport=transport, max_bytes=1024)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_url("https://example.org/gone", transport=transport)


# --- the diplomacy-events CSV ----------------------------------------------------------------


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    frame, quarantine = read_events(EVENTS_CSV)
    assert quarantine == []
    return frame.set_index("event_id", drop=False)


def test_events_columns_and_count(events):
    assert len(events) == 18
    assert list(events.columns) == list(ann.EVENTS_OUTPUT_COLUMNS)
    assert events["event_id"].is_unique
    assert events.loc["msp_launch", "source_line"] == 2
    assert set(events["source_file"]) == {"critical_minerals_diplomacy_events.csv"}
    assert set(events["instrument"]) <= set(ann.INSTRUMENTS)


@pytest.mark.parametrize(
    ("event_id", "parties", "group"),
    [
        ("quad_cmi", ["AUS", "IND", "JPN", "USA"], "Quad"),
        ("us_in_rubio_jaishankar", ["IND", "USA"], None),
        ("msp_india_joins", ["IND"], "MSP"),
        ("msp_finance_network", ["EUU", "IND", "USA"], "MSP"),
        ("eu_crma_in_force", ["EUU"], None),
        ("us_ua_urif", ["UKR", "USA"], None),
        ("msp_launch", ["USA"], "MSP"),
        ("critical_minerals_ministerial_2026", ["USA"], None),
    ],
)
def test_event_parties_and_groups(events, event_id, parties, group):
    assert events.loc[event_id, "parties"] == parties
    value = events.loc[event_id, "includes_group"]
    assert pd.isna(value) if group is None else value == group


def test_event_dates_and_precision(events):
    assert events.loc["us_in_rubio_jaishankar", "event_date"] == date(2026, 2, 3)
    assert events.loc["us_in_icet", "event_date"] == date(2023, 1, 1)
    assert events.loc["us_in_icet", "date_precision"] == "month"


@pytest.mark.parametrize(
    ("event_id", "stages"),
    [
        ("us_in_rubio_jaishankar", ["exploration", "mining", "processing"]),
        ("eu_crma_in_force", ["mining", "processing", "recycling"]),
        ("us_in_trust", ["processing", "recycling"]),
        ("quad_cmi", ["recycling"]),
        ("us_jp_framework", ["mining", "processing", "manufacturing"]),
        ("us_au_framework", ["mining", "processing"]),
        ("in_list_2023", list(ann.STAGES)),
        ("msp_estonia_joins", []),
    ],
)
def test_event_stages(events, event_id, stages):
    assert events.loc[event_id, "stages"] == stages


def test_event_instruments_minerals_and_cooperation(events):
    assert events.loc["us_in_rubio_jaishankar", "instrument"] == "meeting"
    assert events.loc["eu_crma_in_force", "instrument"] == "policy_list"
    assert events.loc["us_ua_urif", "instrument"] == "agreement"
    assert events.loc["us_in_trust", "minerals"] == ["critical minerals", "lithium", "rare earths"]
    assert events.loc["msp_estonia_joins", "minerals"] == ["critical minerals"]
    assert sorted(events.index[~events["is_cooperation"]]) == [
        "eu_crma_in_force",
        "in_list_2023",
        "us_usgs_draft_2025",
        "us_usgs_final_2025",
    ]


def test_event_source_urls_are_urls_only(events):
    assert events.loc["msp_launch", "source_urls"] == [
        "https://en.wiki.x.io/wiki/Minerals_Security_Partnership",
        "https://newkerala.com/news/2024/59836.htm",
    ]


def test_events_matcher_can_be_injected(tmp_path):
    frame, _ = read_events(EVENTS_CSV, matcher=lambda text: ["XXX"] if "India" in text else [])
    assert frame.set_index("event_id").loc["quad_cmi", "parties"] == ["XXX"]


def test_bad_event_rows_are_quarantined_with_line_numbers(tmp_path):
    header = EVENTS_CSV.read_text(encoding="utf-8").splitlines()[0]
    rows = [
        "a,2024-01-05,day,framework,Good row,United States; Japan,,mining,Summary.,https://example.org/a,high",
        "b,2024-01,day,framework,Wrong precision,Japan,,,,https://example.org/b,high",
        "a,2024-01-06,day,framework,Duplicate id,Japan,,,,https://example.org/c,high",
        "c,2024-01-07,day,press_gaggle,Unknown type,Japan,,,,https://example.org/d,high",
    ]
    rows.insert(1, "")  # a blank line is skipped but still counts for line numbers
    rows.insert(2, 'd,2024-01-08,day,mou,"Two-line\ntitle",Japan,,,,https://example.org/e,high')
    path = tmp_path / "events.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    frame, quarantine = read_events(path)
    assert list(frame["event_id"]) == ["a", "d"]
    assert list(frame["source_line"]) == [2, 4]
    assert [(record["source_line"], record["reason"][:20]) for record in quarantine] == [
        (6, "date '2024-01' does "),
        (7, "duplicate event_id '"),
        (8, "unknown event_type '"),
    ]


def test_events_file_without_required_columns_is_quarantined(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("event_id,date\nx,2024-01-01\n", encoding="utf-8")
    frame, [record] = read_events(path)
    assert frame.empty and list(frame.columns) == list(ann.EVENTS_OUTPUT_COLUMNS)
    assert record["reason"].startswith("missing column(s) ['date_precision'")


# --- command line ----------------------------------------------------------------------------


def test_cli_on_text_prints_extraction_json(capsys):
    assert ann.main(["India and Australia sign lithium MoU"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["parties"] == ["AUS", "IND"]
    assert result["instrument"] == "mou"


def test_cli_on_a_file_prints_documents_with_extraction(capsys):
    path = ANNOUNCEMENTS / "documents" / "state_dept_press.rss.xml"
    assert ann.main([str(path)]) == 0
    output = json.loads(capsys.readouterr().out)
    first = output["documents"][0]
    assert first["title"] == US_INDIA_TITLE and first["published_date"] == "2026-02-03"
    assert first["is_cooperation"] is True
    assert output["quarantine"] == []


def test_json_lines_source_reads_items_and_quarantines_bad_lines(tmp_path):
    from pipelines.lib.announcements import Source, read_source

    (tmp_path / "items.jsonl").write_text(
        '{"id": "a1", "title": "India and Australia sign lithium MoU", "body": "The two governments signed.",'
        ' "published_date": "2026-03-01"}\n'
        "not json\n"
        '{"title": "No body"}\n'
        '{"title": "Japan lists gallium", "text": "Tokyo added gallium to its list.", "url": "https://example.org/x"}\n'
    )
    docs, bad = read_source(Source(name="lines", kind="jsonl", path="items.jsonl"), tmp_path)
    assert [d["title"] for d in docs] == ["India and Australia sign lithium MoU", "Japan lists gallium"]
    assert str(docs[0]["published_date"]) == "2026-03-01" and docs[1]["url"] == "https://example.org/x"
    assert [(q["source_line"], q["reason"].split(":")[0]) for q in bad] == [(2, "line 2"), (3, "line 3")]


def test_conditional_fetcher_sends_validators_and_skips_unchanged_feeds(tmp_path):
    from pipelines.lib.announcements import ConditionalFetcher, Source, read_source

    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b"<item><title>US and Japan sign critical minerals agreement</title><guid>g1</guid>"
            b"<description>Washington and Tokyo signed.</description></item></channel></rss>")
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return httpx.Response(304, headers={"ETag": '"v1"'})
        return httpx.Response(200, content=feed, headers={"ETag": '"v1"'})

    validators: dict = {}
    fetcher = ConditionalFetcher(validators, transport=httpx.MockTransport(handler))
    source = Source(name="feed", kind="rss", url="https://example.org/feed")
    first, bad = read_source(source, tmp_path, fetch=fetcher)
    assert len(first) == 1 and not bad and validators["https://example.org/feed"]["etag"] == '"v1"'
    second, bad = read_source(source, tmp_path, fetch=fetcher)
    assert second == [] and bad == []
    assert seen == [None, '"v1"']


def test_html_served_where_a_feed_was_expected_is_quarantined(tmp_path):
    from pipelines.lib.announcements import Source, read_source

    (tmp_path / "feed.xml").write_text("<!doctype html><html><head><title>Error 503</title></head>"
                                       "<body><p>Service unavailable</p></body></html>")
    (tmp_path / "ok.txt").write_text("US and India meet\nDate: 2026-02-03\n\nThey discussed critical minerals.\n")
    docs, bad = read_source(Source(name="feed", kind="rss", path="feed.xml"), tmp_path)
    assert docs == [] and len(bad) == 1 and bad[0]["source"] == "feed" and bad[0]["source_file"] == "feed.xml"
    ok, _ = read_source(Source(name="text", kind="text", path="ok.txt"), tmp_path)
    assert len(ok) == 1  # the other source still flows


def test_oversized_local_document_is_quarantined_without_reading_it(tmp_path):
    from pipelines.lib.announcements import FETCH_MAX_BYTES, Source, read_source

    with (tmp_path / "huge.txt").open("wb") as handle:
        handle.truncate(FETCH_MAX_BYTES + 1)  # sparse: no 5 MiB of writes needed
    docs, bad = read_source(Source(name="big", kind="text", path="huge.txt"), tmp_path)
    assert docs == [] and "over the" in bad[0]["reason"] and "byte limit" in bad[0]["reason"]
