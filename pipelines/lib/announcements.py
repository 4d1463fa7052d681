"""Critical-minerals announcements: read feeds and documents, and extract who did what.

Pure helpers, no Dagster imports. Three layers:

* `load_sources` reads `sources.yaml` (which feeds, pages and files to read) and validates it.
* `read_source` turns one source into document dicts (RSS/Atom via feedparser after a defusedxml
  safety check, HTML via trafilatura, plain text/Markdown, or the curated events CSV). Anything
  that cannot be read becomes a quarantine record instead of stopping the other documents.
* `extract` (from `pipelines.lib.extraction`, re-exported here) reads one title + body: parties,
  other countries mentioned, minerals, value-chain stages, instrument, cooperation, date.

`read_events` parses the curated diplomacy-events CSV into a DataFrame with the same vocabulary.
Two command lines: `python -m pipelines.lib.announcements <file-or-text>` prints the documents of
one file with their extraction, and `cli` (`minerals extract PATH...`) prints one JSON line per
document of any number of files.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import defusedxml
import feedparser
import httpx
import lxml.etree
import lxml.html
import pandas as pd
import trafilatura
import yaml
from defusedxml import ElementTree as DefusedElementTree

from pipelines.lib.extraction import (  # noqa: F401  (re-exported for callers of this module)
    COOPERATIVE_INSTRUMENTS,
    INSTRUMENTS,
    STAGES,
    _stages,
    extract,
    match_countries,
    normalize_text,
    split_sentences,
)
from pipelines.lib.extraction import _acting_groups as _groups
from pipelines.lib.http import FetchError, FetchPolicy, fetch

# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------

KINDS = ("rss", "atom", "html", "text", "jsonl", "events_csv")
SOURCE_KEYS = frozenset({"name", "kind", "path", "url", "enabled", "description"})
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")

USER_AGENT = "minerals-pipeline/0.1 (critical-minerals announcements reader; httpx)"
FETCH_TIMEOUT_SECONDS = 20.0
FETCH_MAX_BYTES = 5 * 1024 * 1024
FETCH_MAX_REDIRECTS = 5

QUARANTINE_RECORD_CHARS = 500


class SourceConfigError(ValueError):
    """`sources.yaml` is not usable; the message names the file and the offending entry."""


class NotModified(Exception):
    """A conditional fetch found the source unchanged since the last read: nothing new to read."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    path: str | None = None
    url: str | None = None
    enabled: bool = True
    description: str | None = None

    @property
    def location(self) -> str:
        """The file (relative to the announcements folder) or URL the source reads."""
        return self.path if self.path is not None else str(self.url)


def load_sources(config_path: str | Path, *, rejected: list[dict[str, Any]] | None = None) -> list[Source]:
    """Read and validate the sources config; paths are relative to the config's folder.

    The file is either a list of entries or a mapping with a `sources:` list. Each entry needs
    `name`, `kind` (one of KINDS) and exactly one of `path` or `url`; `enabled` defaults to true.
    A bad entry raises SourceConfigError; with `rejected` (a list) it is left out instead and
    described there as a quarantine record, so that the other sources are still read. A file that
    cannot be read as a list of sources always raises.
    """
    config_path = Path(config_path)
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourceConfigError(f"{config_path}: cannot read sources config: {exc}") from exc
    entries = raw.get("sources") if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        raise SourceConfigError(f"{config_path}: expected a list of sources (or a `sources:` list)")

    base_dir = config_path.parent.resolve()
    sources: list[Source] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        try:
            source = _source_entry(config_path, base_dir, index, entry, seen)
        except SourceConfigError as exc:
            if rejected is None:
                raise
            label = entry.get("name") if isinstance(entry, dict) else None
            rejected.append({
                "source": label if isinstance(label, str) and label.strip() else config_path.name,
                "source_file": config_path.name,
                "source_line": None,  # the reason names the entry: "source #3 ('name')"
                "reason": str(exc),
                "record": repr(entry)[:QUARANTINE_RECORD_CHARS],
            })
            continue
        seen.add(source.name)
        sources.append(source)
    return sources


def _source_entry(config_path: Path, base_dir: Path, index: int, entry: Any, seen: set[str]) -> Source:
    """One validated entry of the sources config; SourceConfigError names the file and the entry."""
    label = entry.get("name") if isinstance(entry, dict) else None
    where = f"{config_path}: source #{index}" + (f" ({label!r})" if label else "")

    def fail(problem: str, where: str = where) -> SourceConfigError:
        return SourceConfigError(f"{where}: {problem}")

    if not isinstance(entry, dict):
        raise fail(f"expected a mapping, got {type(entry).__name__}")
    unknown = sorted(set(entry) - SOURCE_KEYS)
    if unknown:
        raise fail(f"unknown key(s) {unknown}; allowed: {sorted(SOURCE_KEYS)}")
    name = entry.get("name")
    if not isinstance(name, str) or not SOURCE_NAME.match(name):
        raise fail("`name` is required: lowercase letters, digits, '_', '-' or '.'")
    if name in seen:
        raise fail(f"duplicate source name {name!r}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r}; expected one of {list(KINDS)}")
    path, url = entry.get("path"), entry.get("url")
    if (path is None) == (url is None):
        raise fail("give exactly one of `path` or `url`")
    if path is not None:
        if not isinstance(path, str) or not path.strip():
            raise fail("`path` must be a non-empty string")
        if Path(path).is_absolute():
            raise fail(f"path {path!r} must be relative to {base_dir}")
        if not (base_dir / path).resolve().is_relative_to(base_dir):
            raise fail(f"path {path!r} escapes the announcements folder {base_dir}")
    if url is not None:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise fail(f"url {url!r} must be an absolute http(s) URL")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail(f"`enabled` must be true or false, got {enabled!r}")
    description = entry.get("description")
    if description is not None and not isinstance(description, str):
        raise fail("`description` must be text")
    return Source(name, kind, path, url, enabled, description)


def fetch_url(
    url: str,
    *,
    timeout: float = FETCH_TIMEOUT_SECONDS,
    max_bytes: int = FETCH_MAX_BYTES,
    transport: httpx.BaseTransport | None = None,
) -> bytes:
    """GET `url` through `pipelines.lib.http.fetch`: timeouts and an overall deadline, retries with
    backoff on 5xx/429 (Retry-After honoured), a descriptive User-Agent, bounded redirects and size."""
    policy = FetchPolicy(read_timeout=timeout, max_bytes=max_bytes, max_redirects=FETCH_MAX_REDIRECTS,
                         user_agent=USER_AGENT)
    content = fetch(url, policy=policy, transport=transport).content
    return content or b""


class ConditionalFetcher:
    """A `fetch(url) -> bytes` for `read_source` that sends the validators (ETag, Last-Modified)
    of the previous read of each URL and raises `NotModified` on 304, so an unchanged feed costs
    one small request and adds nothing. `validators` is updated in place; store it between runs."""

    def __init__(self, validators: dict[str, dict[str, str | None]], policy: FetchPolicy | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.validators = validators
        self.policy = policy or FetchPolicy(read_timeout=FETCH_TIMEOUT_SECONDS, max_bytes=FETCH_MAX_BYTES,
                                            max_redirects=FETCH_MAX_REDIRECTS, user_agent=USER_AGENT)
        self.transport = transport

    def __call__(self, url: str) -> bytes:
        known = self.validators.get(url, {})
        result = fetch(url, etag=known.get("etag"), last_modified=known.get("last_modified"),
                       policy=self.policy, transport=self.transport)
        if result.not_modified:
            raise NotModified(url)
        self.validators[url] = {"etag": result.etag, "last_modified": result.last_modified}
        return result.content or b""


# --------------------------------------------------------------------------------------------
# Reading documents
# --------------------------------------------------------------------------------------------

Fetch = Callable[[str], bytes]
Document = dict[str, Any]
Quarantine = dict[str, Any]

# Elements that end a line when an HTML fragment (feed summary) is flattened to text.
HTML_BLOCK_TAGS = ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote")
# Markdown decoration stripped from text documents (pattern, replacement).
MARKDOWN_CLEANUP = (
    (re.compile(r"^\s{0,3}#{1,6}\s+", re.M), ""),
    (re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.M), ""),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__|`)"), ""),
)
TEXT_HEADER = re.compile(r"^(?P<key>date|source)\s*:\s*(?P<value>.*?)\s*$", re.I)
XML_ENCODING_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
HTML_CHARSET_DECL = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._-]+)", re.I)
# An HTML page (an error, login or bot-check page) served where a feed was expected.
HTML_PAGE = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S
)
HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.I | re.S)
TRACKING_PARAMS = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid)$", re.I)


def _quarantine(source: Source, source_file: str, line: int | None, reason: str, record: Any) -> Quarantine:
    text = record if isinstance(record, str) else repr(record)
    return {
        "source": source.name,
        "source_file": source_file,
        "source_line": line,
        "reason": reason,
        "record": text[:QUARANTINE_RECORD_CHARS],
    }


def _preview(data: bytes) -> str:
    return data[: QUARANTINE_RECORD_CHARS * 4].decode("utf-8", errors="replace")


def canonical_url(url: str) -> str:
    """Lowercase scheme and host, no fragment, no tracking parameters, no trailing slash."""
    parts = urlsplit(url.strip())
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not TRACKING_PARAMS.match(k)))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def _hash_key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def content_hash(title: str, body: str) -> str:
    """sha256 of the case-folded, whitespace-normalised title and body."""
    return _hash_key(" ".join(title.split()).casefold(), " ".join(body.split()).casefold())


def announcement_id(source_name: str, *, guid: str | None, url: str | None, title: str, body: str) -> str:
    """Stable id: the feed guid, else the canonical URL, else the content hash; namespaced by source."""
    if guid and guid.strip():
        key = "guid:" + guid.strip()
    elif url and url.strip():
        key = "url:" + canonical_url(url)
    else:
        key = "sha256:" + content_hash(title, body)
    return _hash_key(source_name, key)[:16]


def _document(
    source: Source,
    source_file: str,
    *,
    title: str,
    body: str,
    url: str | None,
    published: date | None,
    guid: str | None = None,
) -> Document:
    title, body = normalize_text(title), normalize_text(body)
    return {
        "announcement_id": announcement_id(source.name, guid=guid, url=url, title=title, body=body),
        "source": source.name,
        "kind": source.kind,
        "url": url or None,
        "title": title,
        "published_date": published,
        "body": body,
        "source_file": source_file,
        "content_hash": content_hash(title, body),
    }


def _decode(data: bytes, encoding: str = "utf-8") -> str:
    """Strict decode; a UTF-8 byte-order mark is dropped. Raises ValueError with a readable reason."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise ValueError(f"unknown character encoding {encoding!r}") from exc
    if codec == "utf-8":
        codec = "utf-8-sig"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise ValueError(
            f"undecodable bytes: not valid {encoding} (byte 0x{bad} at offset {exc.start})"
        ) from exc
    if "\x00" in text:
        raise ValueError("binary content (NUL characters) in a text document")
    return text


def check_xml_safe(data: bytes) -> str | None:
    """Why `data` must not reach an XML parser that honours DTDs, or None when it is safe.

    Any DOCTYPE is refused (defusedxml, forbid_dtd), so neither external entities nor entity
    expansion bombs are ever resolved. A second defusedxml pass, still forbidding entities, only
    serves to name the offending declaration in the reason. Malformed XML is reported too.
    """
    try:
        DefusedElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        return None
    except defusedxml.DTDForbidden as dtd:
        try:
            DefusedElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        except defusedxml.EntitiesForbidden as ent:
            if ent.sysid:
                return f"forbidden XML: external entity {ent.name!r} (SYSTEM {ent.sysid!r}); DTDs are refused"
            return f"forbidden XML: entity {ent.name!r} declared (entity expansion); DTDs are refused"
        except defusedxml.ExternalReferenceForbidden as ext:
            return f"forbidden XML: external reference {ext.sysid!r}; DTDs are refused"
        except DefusedElementTree.ParseError:
            pass
        return f"forbidden XML: DOCTYPE {dtd.name!r} declared; DTDs are refused"
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        return f"forbidden XML: {exc}"
    except DefusedElementTree.ParseError as exc:
        return f"malformed XML: {exc}"


def _xml_encoding(data: bytes) -> str | None:
    """Encoding to verify before parsing: the declared one, None when a UTF-16/32 BOM decides."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return None
    match = XML_ENCODING_DECL.match(data)
    return match.group(1).decode("ascii") if match else "utf-8"


def _html_fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one line per block element."""
    if "<" not in fragment:
        return fragment
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return fragment
    for element in root.iter(*HTML_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
    return root.text_content()


def _detail_text(detail: dict[str, Any] | None) -> str:
    """Text of a feedparser text construct (title, summary, content), flattening HTML."""
    if not detail:
        return ""
    value = detail.get("value", "")
    return _html_fragment_text(value) if "html" in detail.get("type", "") else value


def _parse_feed_date(raw: str | None) -> date | None:
    """The date as written in the feed (RFC 822 for RSS, RFC 3339 for Atom), no UTC shift."""
    if not raw:
        return None
    raw = raw.strip()
    for parse in (parsedate_to_datetime, lambda value: datetime.fromisoformat(value.replace("Z", "+00:00"))):
        try:
            return parse(raw).date()
        except (TypeError, ValueError, IndexError):
            continue
    return None


def _read_feed(source: Source, source_file: str, data: bytes, line: int | None):
    if HTML_PAGE.match(data):
        title = HTML_TITLE.search(data[:65536])
        named = " ".join(title.group(1).decode("utf-8", errors="replace").split())[:100] if title else ""
        raise ValueError("not an RSS or Atom feed: an HTML page was served instead"
                         + (f" (titled {named!r})" if named else ""))
    encoding = _xml_encoding(data)
    if encoding is not None:
        _decode(data, encoding)  # raises ValueError for undecodable bytes
    problem = check_xml_safe(data)
    if problem:
        raise ValueError(problem)
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    if parsed.get("bozo") and not isinstance(
        parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride
    ):
        raise ValueError(f"malformed feed: {parsed.get('bozo_exception')}")
    if not parsed.get("version"):
        raise ValueError("not an RSS or Atom feed (no <rss>, <feed> or <rdf:RDF> root)")

    documents, quarantine = [], []
    for number, entry in enumerate(parsed.entries, start=1):
        title = _detail_text(entry.get("title_detail"))
        body = _detail_text((entry.get("content") or [None])[0] or entry.get("summary_detail"))
        if not normalize_text(title) and not normalize_text(body):
            reason = "feed item has neither title nor text"
            quarantine.append(_quarantine(source, source_file, None, reason, dict(entry)))
            continue
        if not normalize_text(title) and not (entry.get("link") or "").strip() and not (entry.get("id") or "").strip():
            reason = f"feed item {number} has no title, link or id: it can be neither named nor traced to its source"
            quarantine.append(_quarantine(source, source_file, None, reason, dict(entry)))
            continue
        published = _parse_feed_date(entry.get("published") or entry.get("updated"))
        documents.append(
            _document(
                source,
                source_file,
                title=title,
                body=body,
                url=entry.get("link"),
                published=published,
                guid=entry.get("id"),
            )
        )
    return documents, quarantine


def _read_html(source: Source, source_file: str, data: bytes, line: int | None):
    match = HTML_CHARSET_DECL.search(data[:4096])
    html = _decode(data, match.group(1).decode("ascii") if match else "utf-8")
    if not html.strip():
        raise ValueError("empty document")
    extracted = trafilatura.bare_extraction(
        html,
        url=source.url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = normalize_text(getattr(extracted, "text", None) or "")
    title = normalize_text(getattr(extracted, "title", None) or "")
    if not text:
        raise ValueError("no main text found in the HTML page")
    if not title:
        raise ValueError("HTML page has no title")
    first, _, rest = text.partition("\n")
    if first.strip().casefold() == title.casefold():  # the <h1> repeats the title
        text = rest
    raw_date = getattr(extracted, "date", None)
    try:
        published = date.fromisoformat(raw_date[:10]) if raw_date else None
    except ValueError:
        published = None
    url = getattr(extracted, "url", None) or source.url
    return [_document(source, source_file, title=title, body=text, url=url, published=published)], []


def _read_text(source: Source, source_file: str, data: bytes, line: int | None):
    """First non-blank line is the title; `Date:` / `Source:` header lines follow; then the body."""
    lines = _decode(data).splitlines()
    index = next((i for i, value in enumerate(lines) if value.strip()), None)
    if index is None:
        raise ValueError("empty document")
    title = re.sub(r"^\s{0,3}#{1,6}\s+", "", lines[index]).strip()
    headers: dict[str, str] = {}
    index += 1
    while index < len(lines):
        current = lines[index].strip()
        header = TEXT_HEADER.match(current)
        if header and header.group("key").lower() not in headers:
            headers[header.group("key").lower()] = header.group("value")
        elif current:
            break
        index += 1
    body = "\n".join(lines[index:])
    for pattern, replacement in MARKDOWN_CLEANUP:
        body = pattern.sub(replacement, body)
    if not normalize_text(body):
        if headers:  # a formatted document (Date:/Source: lines) whose text is missing
            raise ValueError("document has a title but no body text")
        body = title  # a one-line note: its only line is both title and text
    published = None
    if "date" in headers:
        try:
            published = date.fromisoformat(headers["date"])
        except ValueError:
            raise ValueError(f"Date header {headers['date']!r} is not YYYY-MM-DD") from None
    url = headers.get("source") or source.url
    return [_document(source, source_file, title=title, body=body, url=url, published=published)], []


def _read_jsonl(source: Source, source_file: str, data: bytes, line: int | None):
    """JSON Lines: one object per line with `title` and `body` (or `text`), optionally `url`, `id`
    (used as the guid) and `published_date` (YYYY-MM-DD). A bad line is quarantined with its number;
    the other lines still flow."""
    documents, quarantine = [], []
    for number, raw in enumerate(_decode(data).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            if not isinstance(item, dict):
                raise ValueError("a line must hold a JSON object")
            title, body = str(item.get("title") or "").strip(), str(item.get("body") or item.get("text") or "")
            if not title or not normalize_text(body):
                raise ValueError("an item needs a title and a body")
            published = date.fromisoformat(item["published_date"]) if item.get("published_date") else None
        except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
            quarantine.append(_quarantine(source, source_file, number, f"line {number}: {exc}", raw))
            continue
        guid = str(item["id"]) if item.get("id") is not None else None
        documents.append(_document(source, source_file, title=title, body=body, url=item.get("url"),
                                   published=published, guid=guid))
    if not documents and not quarantine:
        raise ValueError("empty document")
    return documents, quarantine


def _read_events_source(source: Source, source_file: str, data: bytes, line: int | None):
    events, quarantine = _parse_events(_decode(data), source_file=source_file, source_name=source.name)
    documents = []
    for event in events.to_dict("records"):
        document = _document(
            source,
            source_file,
            title=event["title"],
            body=event["summary"],
            url=(event["source_urls"] or [None])[0],
            published=event["event_date"],
            guid="event:" + event["event_id"],
        )
        documents.append(document)
    return documents, quarantine


READERS = {
    "rss": _read_feed,
    "atom": _read_feed,
    "html": _read_html,
    "text": _read_text,
    "jsonl": _read_jsonl,
    "events_csv": _read_events_source,
}


def read_source(
    source: Source, base_dir: str | Path, fetch: Fetch | None = None
) -> tuple[list[Document], list[Quarantine]]:
    """Documents from one source plus quarantine records for what could not be read.

    A disabled source yields nothing and is never fetched. `fetch(url) -> bytes` is used for URL
    sources (default: `fetch_url`); tests inject their own. `source_line` in quarantine records is
    1 for a whole local file (the record starts at its first line), None for single items of a
    feed and for fetched URLs, and the CSV line for events rows. Items whose id repeats an
    earlier item of the same source are quarantined.
    """
    if not source.enabled:
        return [], []
    if source.path is not None:
        base = Path(base_dir).resolve()
        target = (base / source.path).resolve()
        source_file, line = Path(source.path).as_posix(), 1
        if not target.is_relative_to(base):
            return [], [_quarantine(source, source_file, line, "path escapes the announcements folder", "")]
        try:
            size = target.stat().st_size
            if size > FETCH_MAX_BYTES:
                reason = f"document of {size:,} bytes is over the {FETCH_MAX_BYTES:,}-byte limit"
                return [], [_quarantine(source, source_file, line, reason, "")]
            data = target.read_bytes()
        except OSError as exc:
            return [], [_quarantine(source, source_file, line, f"cannot read file: {exc.strerror}", "")]
    else:
        source_file, line = str(source.url), None
        try:
            data = (fetch or fetch_url)(str(source.url))
        except NotModified:
            return [], []
        except (FetchError, httpx.HTTPError) as exc:
            return [], [_quarantine(source, source_file, line, f"fetch failed: {exc}", "")]

    if not data.strip():
        return [], [_quarantine(source, source_file, line, "empty document", _preview(data))]
    try:
        documents, quarantine = READERS[source.kind](source, source_file, data, line)
    except ValueError as exc:
        return [], [_quarantine(source, source_file, line, str(exc), _preview(data))]

    unique, seen = [], set()
    for document in documents:
        if document["announcement_id"] in seen:
            reason = "duplicate announcement_id (same guid, URL or text as an earlier item)"
            quarantine.append(_quarantine(source, source_file, None, reason, document["title"]))
            continue
        seen.add(document["announcement_id"])
        unique.append(document)
    return unique, quarantine


def read_all(
    sources: Iterable[Source], base_dir: str | Path, fetch: Fetch | None = None
) -> tuple[list[Document], list[Quarantine]]:
    """`read_source` over every enabled source, concatenated."""
    documents: list[Document] = []
    quarantine: list[Quarantine] = []
    for source in sources:
        found, rejected = read_source(source, base_dir, fetch)
        documents.extend(found)
        quarantine.extend(rejected)
    return documents, quarantine


# --------------------------------------------------------------------------------------------
# The curated diplomacy-events CSV
# --------------------------------------------------------------------------------------------

EVENT_COLUMNS = (
    "event_id",
    "date",
    "date_precision",
    "event_type",
    "title",
    "parties",
    "location",
    "value_chain_scope",
    "summary",
    "source_urls",
    "confidence",
)
EVENTS_OUTPUT_COLUMNS = (
    "event_id",
    "event_date",
    "date_precision",
    "event_type",
    "title",
    "parties",
    "includes_group",
    "minerals",
    "stages",
    "instrument",
    "is_cooperation",
    "summary",
    "source_urls",
    "confidence",
    "source_file",
    "source_line",
)
DATE_FORMATS = {"day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}"}
# event_type -> instrument. `regulation` counts as policy_list: a unilateral rule that names
# critical/strategic materials and targets (e.g. the EU Critical Raw Materials Act); no partner.
EVENT_TYPE_INSTRUMENTS: dict[str, str] = {
    "bilateral_meeting": "meeting",
    "ministerial": "meeting",
    "summit": "meeting",
    "joint_statement": "joint_statement",
    "mou": "mou",
    "framework": "framework",
    "trade_agreement": "agreement",
    "investment_agreement": "agreement",
    "partnership_launch": "partnership",
    "partnership_membership": "partnership",
    "initiative_launch": "partnership",
    "investment": "investment",
    "policy_list": "policy_list",
    "regulation": "policy_list",
    "export_control": "export_control",
}
# value_chain_scope wording beyond the stage cues used for free text.
SCOPE_STAGES: dict[str, tuple[str, ...]] = {
    r"^\s*all\s*$": STAGES,
    r"\bderivative products?\b": ("manufacturing",),
}
# Parties-field wording for participants who are not named one by one.
UNNAMED_PARTIES = re.compile(r"\b(?:partners|delegations|countries|members)\b", re.I)
URL_TOKEN = re.compile(r"https?://[^\s;,)]+")

CountryMatcher = Callable[[str], Iterable[str]]


def _event_stages(scope: str, summary: str) -> list[str]:
    stages: set[str] = set()
    for part in re.split(r"[;,]", scope):
        for pattern, mapped in SCOPE_STAGES.items():
            if re.search(pattern, part, re.I):
                stages.update(mapped)
        stages |= _stages(part)
    for sentence in split_sentences(summary):
        stages |= _stages(sentence)
    return [stage for stage in STAGES if stage in stages]


def _event_date(raw: str, precision: str) -> date:
    pattern = DATE_FORMATS.get(precision)
    if pattern is None:
        raise ValueError(f"unknown date_precision {precision!r}; expected one of {list(DATE_FORMATS)}")
    if not re.fullmatch(pattern, raw):
        raise ValueError(f"date {raw!r} does not match date_precision {precision!r}")
    year, month, day = (int(part) for part in (raw + "-01-01")[:10].split("-"))
    return date(year, month, day)


def _parse_events(
    text: str,
    *,
    source_file: str,
    source_name: str = "events",
    matcher: CountryMatcher | None = None,
) -> tuple[pd.DataFrame, list[Quarantine]]:
    matcher = matcher or match_countries
    source = Source(name=source_name, kind="events_csv", path=source_file)
    empty = pd.DataFrame(columns=list(EVENTS_OUTPUT_COLUMNS))
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in EVENT_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        return empty, [_quarantine(source, source_file, 1, f"missing column(s) {missing}", text)]

    rows: list[dict[str, Any]] = []
    quarantine: list[Quarantine] = []
    seen: set[str] = set()
    for record in reader:
        # first physical line of the record: quoted fields may span lines, blank lines are skipped
        raw_values = [value for value in record.values() if isinstance(value, str)]
        record_line = reader.line_num - sum(value.count("\n") for value in raw_values)
        values = {key: (value or "").strip() for key, value in record.items() if key is not None}
        raw_record = ",".join(values.get(column, "") for column in EVENT_COLUMNS)
        try:
            event_id = values["event_id"]
            if not event_id:
                raise ValueError("empty event_id")
            if event_id in seen:
                raise ValueError(f"duplicate event_id {event_id!r}")
            event_date = _event_date(values["date"], values["date_precision"])
            if values["event_type"] not in EVENT_TYPE_INSTRUMENTS:
                raise ValueError(
                    f"unknown event_type {values['event_type']!r}; "
                    f"expected one of {sorted(EVENT_TYPE_INSTRUMENTS)}"
                )
            if not values["title"]:
                raise ValueError("empty title")
        except ValueError as exc:
            quarantine.append(_quarantine(source, source_file, record_line, str(exc), raw_record))
            continue
        seen.add(event_id)

        parties_text = values["parties"]
        parties = sorted({code for part in parties_text.split(";") for code in matcher(part)})
        groups = _groups(parties_text) or _groups(values["title"])
        instrument = EVENT_TYPE_INSTRUMENTS[values["event_type"]]
        minerals = extract(values["title"], values["summary"])["minerals"] or ["critical minerals"]
        is_cooperation = instrument in COOPERATIVE_INSTRUMENTS and bool(
            len(parties) >= 2 or groups or UNNAMED_PARTIES.search(parties_text)
        )
        rows.append(
            {
                "event_id": event_id,
                "event_date": event_date,
                "date_precision": values["date_precision"],
                "event_type": values["event_type"],
                "title": values["title"],
                "parties": parties,
                "includes_group": "; ".join(groups) or None,
                "minerals": minerals,
                "stages": _event_stages(values["value_chain_scope"], values["summary"]),
                "instrument": instrument,
                "is_cooperation": is_cooperation,
                "summary": values["summary"],
                "source_urls": URL_TOKEN.findall(values["source_urls"]),
                "confidence": values["confidence"],
                "source_file": source_file,
                "source_line": record_line,
            }
        )
    events = pd.DataFrame(rows, columns=list(EVENTS_OUTPUT_COLUMNS)) if rows else empty
    return events, quarantine


def read_events(
    csv_path: str | Path,
    matcher: CountryMatcher | None = None,
    *,
    source_file: str | None = None,
    source_name: str = "events",
) -> tuple[pd.DataFrame, list[Quarantine]]:
    """The curated diplomacy-events CSV as a DataFrame (EVENTS_OUTPUT_COLUMNS) plus quarantine.

    `matcher(text) -> ISO3 codes` reads the `parties` text (default: `match_countries`).
    Month/year precision dates become the first day of the period; `date_precision` is kept.
    Rows with an empty or duplicate id, a date that does not fit its precision or an unknown
    event_type are quarantined with their CSV line number.
    """
    csv_path = Path(csv_path)
    label = source_file or csv_path.name
    source = Source(name=source_name, kind="events_csv", path=label)
    try:
        text = _decode(csv_path.read_bytes())
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        return pd.DataFrame(columns=list(EVENTS_OUTPUT_COLUMNS)), [_quarantine(source, label, 1, reason, "")]
    return _parse_events(text, source_file=label, source_name=source_name, matcher=matcher)


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

SUFFIX_KINDS = {".html": "html", ".htm": "html", ".txt": "text", ".md": "text", ".csv": "events_csv"}


def _kind_for(path: Path) -> str:
    if path.suffix.lower() == ".xml":
        return "atom" if b"<feed" in path.read_bytes()[:2048] else "rss"
    return SUFFIX_KINDS.get(path.suffix.lower(), "text")


def main(argv: list[str] | None = None) -> int:
    """`python -m pipelines.lib.announcements <file-or-text>`: print the extraction as JSON."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: python -m pipelines.lib.announcements <file-or-text>", file=sys.stderr)
        return 2
    path = Path(args[0])
    if path.is_file():
        source = Source(name="cli", kind=_kind_for(path), path=path.name)
        documents, quarantine = read_source(source, path.parent)
        output: Any = {
            "documents": [
                {key: document[key] for key in ("announcement_id", "title", "published_date", "url")}
                | extract(document["title"], document["body"], document["published_date"])
                for document in documents
            ],
            "quarantine": quarantine,
        }
    else:
        title, _, body = args[0].strip().partition("\n")
        output = extract(title, body)
    print(json.dumps(output, indent=2, ensure_ascii=False, default=str))
    return 0


# `minerals extract PATH...`: one JSON line per document on stdout, one per problem on stderr.
CLI_FEED_SUFFIXES = {".xml": None, ".rss": "rss", ".atom": "atom"}
CLI_SUFFIX_KINDS = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html"}
CLI_OUTPUT_KEYS = (
    "id", "published_date", "parties", "minerals", "stages", "instrument", "is_cooperation",
    "mentioned_countries", "evidence", "source_file", "title",
)  # fmt: skip


def _cli_record(document_id: str, title: str, body: str, published: Any, source_file: str) -> dict[str, Any]:
    found = extract(title, body, published)
    record = {key: found[key] for key in CLI_OUTPUT_KEYS if key in found}
    record.update(id=document_id, source_file=source_file, title=normalize_text(title))
    return {key: record[key] for key in CLI_OUTPUT_KEYS}


def _cli_error(source_file: str, reason: str, line: int | None = None, item: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"error": "unreadable input", "source_file": source_file, "reason": reason}
    if line is not None:
        error["line"] = line
    if item:
        error["item"] = item
    return error


def _cli_jsonl(path: Path, label: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Documents of a JSON Lines file: one object per line with `title` and/or `body` (and an optional
    `id`). Dates are read from the text; other keys are ignored."""
    records, errors = [], []
    try:
        text = _decode(path.read_bytes())
    except (OSError, ValueError) as exc:
        return [], [_cli_error(label, exc.strerror if isinstance(exc, OSError) else str(exc))]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(_cli_error(label, f"not valid JSON ({exc.msg} at column {exc.colno})", number))
            continue
        if not isinstance(item, dict):
            errors.append(_cli_error(label, f"expected a JSON object, got {type(item).__name__}", number))
            continue
        title, body = item.get("title") or "", item.get("body") or ""
        if not isinstance(title, str) or not isinstance(body, str):
            errors.append(_cli_error(label, "`title` and `body` must be strings", number))
            continue
        if not title.strip() and not body.strip():
            errors.append(_cli_error(label, "object has neither `title` nor `body` text", number))
            continue
        given = item.get("id")
        document_id = str(given) if given not in (None, "") else announcement_id(
            "cli", guid=None, url=None, title=normalize_text(title), body=normalize_text(body)
        )
        records.append(_cli_record(document_id, title, body, None, label))
    return records, errors


def _cli_read(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Extraction records and error objects for one input file."""
    label = str(path)
    if not path.is_file():
        return [], [_cli_error(label, "no such file" if not path.exists() else "not a regular file")]
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _cli_jsonl(path, label)
    if suffix in CLI_FEED_SUFFIXES:
        kind = CLI_FEED_SUFFIXES[suffix]
        if kind is None:
            try:
                kind = "atom" if b"<feed" in path.read_bytes()[:4096] else "rss"
            except OSError as exc:
                return [], [_cli_error(label, f"cannot read file: {exc.strerror}")]
    elif suffix in CLI_SUFFIX_KINDS:
        kind = CLI_SUFFIX_KINDS[suffix]
    else:
        supported = sorted({*CLI_FEED_SUFFIXES, *CLI_SUFFIX_KINDS, ".jsonl"})
        return [], [_cli_error(label, f"unsupported file type {suffix or '(none)'!r}; expected one of {supported}")]
    source = Source(name="cli", kind=kind, path=path.name)
    documents, quarantine = read_source(source, path.parent)
    records = [
        _cli_record(document["announcement_id"], document["title"], document["body"], document["published_date"], label)
        for document in documents
    ]
    errors = [
        _cli_error(label, record["reason"], item=record["record"] if record["source_line"] is None else None)
        for record in quarantine
    ]
    return records, errors


def _extract_command(args: Any) -> int:
    status = 0
    for raw in args.paths:
        records, errors = _cli_read(Path(raw))
        for record in records:
            print(json.dumps(record, ensure_ascii=False, default=str), flush=False)
        for error in errors:
            print(json.dumps(error, ensure_ascii=False, default=str), file=sys.stderr)
            status = 1
    sys.stdout.flush()
    return status


def cli(argv: list[str] | None = None) -> int:
    """The `minerals` command. `minerals extract PATH...` reads each file (.txt/.md, .html/.htm,
    .xml/.rss/.atom feeds, .jsonl) with the pipeline's readers and prints one JSON object per
    document (per feed item) on stdout. Unreadable inputs print an error object on stderr; the
    other files are still read, and the exit status is 1."""
    import argparse

    parser = argparse.ArgumentParser(prog="minerals", description="Critical-minerals announcements tools.")
    commands = parser.add_subparsers(dest="command", title="commands", required=True)
    extract_parser = commands.add_parser(
        "extract",
        help="extract parties, minerals, stages and instrument from announcement files",
        description="Print one JSON object per document: id, published_date, parties, minerals, stages, "
        "instrument, is_cooperation, mentioned_countries, evidence, source_file, title.",
    )
    extract_parser.add_argument("paths", nargs="+", metavar="PATH", help=".txt, .md, .html, .htm, .xml, .rss, "
                                ".atom or .jsonl file")
    extract_parser.set_defaults(handler=_extract_command)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
