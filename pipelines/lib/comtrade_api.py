"""Client for the UN Comtrade API v1: annual HS data, saved as the JSON the API returns.

Endpoints (both ``C/A/HS``: goods, annual, HS as reported):

* with a subscription key in ``COMTRADE_API_KEY`` (read from the environment at call time):
  ``https://comtradeapi.un.org/data/v1/get/C/A/HS``, the key sent as the
  ``Ocp-Apim-Subscription-Key`` header, at most 100,000 rows a response;
* without one: the public preview ``https://comtradeapi.un.org/public/v1/preview/C/A/HS``, at most
  500 rows a response.

Each request asks for totals only (``partner2Code=0``, ``customsCode=C00``, ``motCode=0``), which
are the rows `pipelines.lib.comtrade.read_comtrade` keeps.

Paging. The API has no cursor: a response simply stops at the row limit. `plan_requests` splits the
work by reporter x year x batch of HS codes, with batches small enough to stay well under the limit
(one code a request on the preview, 25 with a key). `download` treats a response whose ``count``
reaches the limit as possibly truncated: it is not saved; the request is split and the parts are
asked for instead, in this order -- one code at a time, then one flow at a time, then groups of
partners (the numeric codes of ``data/reference/trade_country_codes.csv`` plus every partner seen
in the truncated response), then halves of a partner group. A request that still hits the limit
with one code, one flow and one partner is reported as a failure, never saved. How a request was
split is recorded beside its would-be file (``<hash>.split``), so a re-run does not ask again.

Files. Each response is saved as ``<out_dir>/<reporter>/<year>/<hash>.json``, where the hash names
the codes, flows and partners asked for; it is written to a hidden temporary name and renamed, and
a file already there is not downloaded again. ``<out_dir>/manifest.json`` lists, for every file,
the URL, retrieval time, row count and SHA-256. ``read_comtrade`` reads the saved files as they are
(it skips ``manifest.json``; ``.split`` and temporary files are not ``*.json``).

The key. It is only ever put in a request header. Every URL, message, log line, report field and
saved byte goes through `redact` first, so the key cannot leak even if a server echoes it back.
Keyed requests do not follow redirects, so the header is never sent to another host.

Command line (needs the network)::

    python -m pipelines.lib.comtrade_api --reporters 156 --years 2023 2024 --codes 2846 \\
        --out data/inputs/trade/comtrade/downloads
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from pipelines.lib import http
from pipelines.lib.countries import TRADE_CODES_CSV

log = logging.getLogger(__name__)

API_ROOT = "https://comtradeapi.un.org"
KEYED_PATH = "/data/v1/get/C/A/HS"
PREVIEW_PATH = "/public/v1/preview/C/A/HS"
KEY_ENV = "COMTRADE_API_KEY"
KEY_HEADER = "Ocp-Apim-Subscription-Key"

KEYED_ROW_LIMIT = 100_000
PREVIEW_ROW_LIMIT = 500
KEYED_BATCH = 25          # codes a request with a key: 25 codes x 2 flows x ~250 partners stays far below 100,000
PREVIEW_BATCH = 1         # one code x 2 flows x ~250 partners is already close to 500
FLOWS = ("M", "X")
DEFAULT_OUT = "data/inputs/trade/comtrade/downloads"
PAUSE_SECONDS = 1.0       # between requests: the API allows about one a second

# A keyed response of 100,000 rows is about 100 MB of JSON; the preview's 500 rows about 0.5 MB.
KEYED_POLICY = http.FetchPolicy(read_timeout=120.0, deadline=900.0, max_bytes=160 * 1024 * 1024)
PREVIEW_POLICY = http.FetchPolicy()

REDACTED = "***"
_HS_CODE = re.compile(r"^\d{2}(?:\d{2}){0,2}$")
_KEY_IN_QUERY = re.compile(r"(?i)(subscription-key=)[^&\s\"']+")
# how http.fetch names a failure to connect (httpx.ConnectError / ConnectTimeout, after its retries)
_UNREACHABLE = ("ConnectError", "ConnectTimeout")


class ComtradeError(RuntimeError):
    """A download that cannot go on; the message never contains the API key."""


# --- the key ---------------------------------------------------------------------------------------

def api_key(env: Mapping[str, str] | None = None) -> str | None:
    """The subscription key from ``COMTRADE_API_KEY`` in `env` (default: the process environment,
    read now), or None when unset or blank."""
    value = (os.environ if env is None else env).get(KEY_ENV, "")
    return value.strip() or None


def redact(text: str, key: str | None) -> str:
    """`text` without the key (as given or URL-encoded) and without any ``subscription-key=`` value."""
    if key:
        text = text.replace(key, REDACTED)
        encoded = quote(key, safe="")
        if encoded != key:
            text = text.replace(encoded, REDACTED)
    return _KEY_IN_QUERY.sub(rf"\g<1>{REDACTED}", text)


# --- requests and the plan -------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """One API call: a reporter, a year, HS codes, flows and (optionally) a set of partners."""

    reporter: int
    year: int
    codes: tuple[str, ...]
    flows: tuple[str, ...] = FLOWS
    partners: tuple[int, ...] | None = None     # None: every partner, World included
    keyed: bool = False                          # the subscription endpoint (True) or the public preview
    row_limit: int | None = None                 # None: the endpoint's limit

    @property
    def limit(self) -> int:
        """Rows at which a response may have been cut off."""
        if self.row_limit is not None:
            return self.row_limit
        return KEYED_ROW_LIMIT if self.keyed else PREVIEW_ROW_LIMIT

    @property
    def endpoint(self) -> str:
        return "keyed" if self.keyed else "preview"

    def params(self) -> dict[str, str]:
        """Query parameters, in a fixed order."""
        params = {
            "reporterCode": str(self.reporter),
            "period": str(self.year),
            "cmdCode": ",".join(self.codes),
            "flowCode": ",".join(self.flows),
        }
        if self.partners is not None:
            params["partnerCode"] = ",".join(str(p) for p in self.partners)
        params.update({
            "partner2Code": "0",
            "customsCode": "C00",
            "motCode": "0",
            "maxRecords": str(self.limit),
            "breakdownMode": "classic",
            "includeDesc": "true",
        })
        return params

    def url(self, api_root: str = API_ROOT) -> str:
        path = KEYED_PATH if self.keyed else PREVIEW_PATH
        return f"{api_root.rstrip('/')}{path}?{urlencode(self.params(), safe=',')}"

    @property
    def codes_hash(self) -> str:
        """Short stable name for what is asked: codes, flows and partners (not the endpoint)."""
        partners = "all" if self.partners is None else ",".join(str(p) for p in self.partners)
        spec = f"cmd={','.join(self.codes)};flow={','.join(self.flows)};partner={partners}"
        return hashlib.sha256(spec.encode("ascii")).hexdigest()[:16]

    @property
    def relative_path(self) -> Path:
        return Path(str(self.reporter), str(self.year), f"{self.codes_hash}.json")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["codes"], data["flows"] = list(self.codes), list(self.flows)
        data["partners"] = None if self.partners is None else list(self.partners)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Request:
        partners = data.get("partners")
        return cls(
            reporter=int(data["reporter"]),
            year=int(data["year"]),
            codes=tuple(str(c) for c in data["codes"]),
            flows=tuple(str(f) for f in data["flows"]),
            partners=None if partners is None else tuple(int(p) for p in partners),
            keyed=bool(data["keyed"]),
            row_limit=None if data.get("row_limit") is None else int(data["row_limit"]),
        )


def _hs_codes(hs_codes: Iterable[str | int]) -> list[str]:
    codes: list[str] = []
    for raw in hs_codes:
        code = str(raw).strip()
        if not _HS_CODE.match(code):
            raise ValueError(f"{raw!r} is not an HS code (2, 4 or 6 digits)")
        if code not in codes:
            codes.append(code)
    return sorted(codes)


def plan_requests(
    reporters: Iterable[int | str],
    years: Iterable[int | str],
    hs_codes: Iterable[str | int],
    *,
    has_key: bool,
    flows: Sequence[str] = FLOWS,
    batch_size: int | None = None,
    row_limit: int | None = None,
) -> list[Request]:
    """One request per reporter x year x batch of codes, sized to stay under the row limit.

    `batch_size` defaults to 25 codes with a key and 1 on the preview; `row_limit` overrides the
    endpoint's limit (500 / 100,000) and is mainly for tests."""
    reporter_codes = sorted({int(r) for r in reporters})
    year_list = sorted({int(y) for y in years})
    codes = _hs_codes(hs_codes)
    flow_list = tuple(dict.fromkeys(str(f).strip().upper() for f in flows))
    if not reporter_codes or not year_list or not codes or not flow_list:
        raise ValueError("need at least one reporter, one year, one HS code and one flow")
    if bad := [f for f in flow_list if f not in FLOWS]:
        raise ValueError(f"unknown flow code(s) {bad}; use M (imports) and/or X (exports)")
    if bad := [y for y in year_list if not 1962 <= y <= 2100]:
        raise ValueError(f"year(s) {bad} out of range")
    if bad := [r for r in reporter_codes if not 0 < r < 1000]:
        raise ValueError(f"reporter code(s) {bad} are not numeric M49 country codes")
    size = batch_size or (KEYED_BATCH if has_key else PREVIEW_BATCH)
    if size < 1 or (row_limit is not None and row_limit < 2):
        raise ValueError("batch_size must be at least 1 and row_limit at least 2")
    batches = [tuple(codes[i:i + size]) for i in range(0, len(codes), size)]
    return [
        Request(reporter, year, batch, flow_list, keyed=has_key, row_limit=row_limit)
        for reporter in reporter_codes
        for year in year_list
        for batch in batches
    ]


def reference_partner_codes(path: str | Path = TRADE_CODES_CSV) -> list[int]:
    """Numeric partner codes of the project's code list (World, 0, included)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        codes = {int(row["code"]) for row in csv.DictReader(handle) if (row.get("code") or "").strip()}
    return sorted(codes | {0})


def split_request(request: Request, partner_codes: Iterable[int]) -> list[Request]:
    """Smaller requests that together ask for what `request` asked for; [] when it cannot be split.

    One code at a time, then one flow at a time, then groups of at most half the row limit of the
    `partner_codes` (one row per partner is expected once code and flow are single), then halves
    of a partner group."""
    if len(request.codes) > 1:
        return [replace(request, codes=(code,)) for code in request.codes]
    if len(request.flows) > 1:
        return [replace(request, flows=(flow,)) for flow in request.flows]
    if request.partners is None:
        partners = sorted(set(partner_codes))
        size = max(1, request.limit // 2)
        return [replace(request, partners=tuple(partners[i:i + size])) for i in range(0, len(partners), size)]
    if len(request.partners) > 1:
        half = len(request.partners) // 2
        return [replace(request, partners=request.partners[:half]), replace(request, partners=request.partners[half:])]
    return []


# --- downloading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Failure:
    url: str          # without the key
    reason: str       # without the key


@dataclass
class DownloadReport:
    """What `download` did. Nothing in it contains the API key."""

    endpoint: str                 # "keyed" or "preview"
    planned: int                  # requests in the plan given
    fetched: int = 0              # HTTP responses received (saved, split or reported)
    saved: int = 0                # response files written
    skipped: int = 0              # requests whose file (or split record) was already there
    resplit: int = 0              # responses that reached the row limit and were split
    rows: int = 0                 # rows in the files written
    files: list[str] = field(default_factory=list)          # written, relative to out_dir
    failures: list[Failure] = field(default_factory=list)
    unreachable: bool = False     # stopped early: the API could not be reached

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unreachable

    def summary(self) -> str:
        text = (f"{self.endpoint} endpoint: {self.planned} planned, {self.fetched} fetched, {self.saved} saved "
                f"({self.rows} rows), {self.skipped} already there, {self.resplit} split for the row limit, "
                f"{len(self.failures)} failed")
        return text + (" -- stopped: API unreachable" if self.unreachable else "")


Fetch = Callable[..., http.FetchResult]


def download(
    plan: Iterable[Request],
    out_dir: str | Path,
    *,
    fetch: Fetch = http.fetch,
    env: Mapping[str, str] | None = None,
    api_root: str = API_ROOT,
    policy: http.FetchPolicy | None = None,
    partner_codes: Iterable[int] | None = None,
    pause: float = PAUSE_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> DownloadReport:
    """Run `plan`, saving each complete response under `out_dir`; see the module docstring.

    `fetch` is called as ``fetch(url, headers=..., policy=...)`` (``http.fetch`` or a stand-in,
    which does the retrying); `env` is read now for ``COMTRADE_API_KEY`` (default: the process
    environment). A plan made with ``has_key=True`` needs the key; a preview plan never sends it.
    HTTP and API errors are collected in the report; after a failure to connect the rest of the
    plan is not tried (``report.unreachable``)."""
    requests = list(plan)
    key = api_key(env)
    keyed = any(r.keyed for r in requests)
    if keyed and key is None:
        raise ComtradeError(f"the plan is for the subscription endpoint but {KEY_ENV} is not set; "
                            "set it, or plan with has_key=False for the public preview")
    out = Path(out_dir)
    report = DownloadReport(endpoint="keyed" if keyed else "preview", planned=len(requests))
    manifest: dict[str, Any] = {}
    partners = sorted(set(reference_partner_codes() if partner_codes is None else partner_codes))
    queue = deque(requests)
    first = True
    try:
        while queue:
            request = queue.popleft()
            target = out / request.relative_path
            marker = target.with_suffix(".split")
            if target.exists():
                report.skipped += 1
                continue
            if marker.exists():
                report.skipped += 1
                queue.extendleft(reversed(_read_split(marker)))
                continue
            if not first and pause > 0:
                sleep(pause)
            first = False
            children = _one(request, target, key, report, manifest, out, fetch=fetch, api_root=api_root,
                            policy=policy, partners=partners)
            queue.extendleft(reversed(children))
            if report.unreachable:
                break
    except ComtradeError:
        raise
    except Exception as error:  # an unexpected fault in a stand-in fetch, the disk...: never show the key
        raise ComtradeError(redact(f"download stopped: {type(error).__name__}: {error}", key)) from None
    finally:
        if manifest:
            _update_manifest(out / "manifest.json", manifest)
    log.debug(report.summary())
    return report


def _one(request: Request, target: Path, key: str | None, report: DownloadReport, manifest: dict[str, Any],
         out: Path, *, fetch: Fetch, api_root: str, policy: http.FetchPolicy | None,
         partners: list[int]) -> list[Request]:
    """Fetch one request; save it, or report it, or return the requests that replace it."""
    url = redact(request.url(api_root), key)
    headers = {KEY_HEADER: key} if request.keyed and key else {}
    chosen = policy or (KEYED_POLICY if request.keyed else PREVIEW_POLICY)
    if request.keyed:
        chosen = replace(chosen, max_redirects=0)   # never carry the key header to another host
    log.info("GET %s", url)

    def fail(reason: str) -> list[Request]:
        reason = redact(reason, key)
        reason = reason.removeprefix(f"{url}: ")    # http.fetch starts its messages with the URL
        report.failures.append(Failure(url, reason))
        log.warning("%s: %s", url, reason)
        return []

    try:
        result = fetch(request.url(api_root), headers=headers, policy=chosen)
    except (http.FetchError, httpx.HTTPError) as error:
        message = str(error) if isinstance(error, http.FetchError) else f"{type(error).__name__}: {error}"
        if isinstance(error, httpx.TransportError) or any(name in message for name in _UNREACHABLE):
            report.unreachable = True
        return fail(message)
    report.fetched += 1
    content = result.content or b""
    try:
        payload = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return fail(f"HTTP {result.status} but the response is not JSON ({error})")
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        return fail(f"HTTP {result.status} but the response has no 'data' list")
    if payload.get("error"):
        return fail(f"API error: {payload['error']}")
    data = payload["data"]
    count = payload.get("count")
    count = count if isinstance(count, int) and not isinstance(count, bool) else len(data)
    if max(count, len(data)) >= request.limit:
        seen = {r.get("partnerCode") for r in data if isinstance(r, dict)}
        children = split_request(request, set(partners) | {p for p in seen if isinstance(p, int)})
        if not children:
            return fail(f"{count} rows, the {request.limit}-row limit, for a single code, flow and partner: "
                        "possibly truncated and cannot be split further; not saved")
        report.resplit += 1
        log.info("%s: %d rows reached the %d-row limit; split into %d requests", url, count, request.limit,
                 len(children))
        _write_atomic(target.with_suffix(".split"), json.dumps(
            {"url": url, "count": count, "limit": request.limit, "requests": [c.to_json() for c in children]},
            indent=1).encode("utf-8"), key)
        return children
    written = _write_atomic(target, content, key)
    relative = target.relative_to(out).as_posix()
    report.saved += 1
    report.rows += len(data)
    report.files.append(relative)
    manifest[relative] = {
        "url": url,
        "endpoint": request.endpoint,
        "request": request.to_json(),
        "retrieved_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "count": count,
        "bytes": len(written),
        "sha256": hashlib.sha256(written).hexdigest(),
    }
    return []


def _write_atomic(path: Path, content: bytes, key: str | None) -> bytes:
    """Write `content` (with the key redacted) to a hidden temporary file, then rename it into place."""
    if key and key.encode("utf-8") in content:
        content = redact(content.decode("utf-8", errors="replace"), key).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return content


def _read_split(marker: Path) -> list[Request]:
    try:
        return [Request.from_json(item) for item in json.loads(marker.read_text(encoding="utf-8"))["requests"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ComtradeError(f"{marker}: unreadable split record ({error}); delete it to ask again") from None


def _update_manifest(path: Path, entries: Mapping[str, Any]) -> None:
    existing: dict[str, Any] = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text(encoding="utf-8")).get("files", {})
        except (ValueError, AttributeError):
            existing = {}
    files = {**existing, **entries}
    document = {"source": "UN Comtrade API v1", "files": dict(sorted(files.items()))}
    _write_atomic(path, (json.dumps(document, indent=1) + "\n").encode("utf-8"), None)


# --- command line ----------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None, *, fetch: Fetch = http.fetch, env: Mapping[str, str] | None = None,
         sleep: Callable[[float], None] = time.sleep) -> int:
    """Download annual HS data; 0 when everything was saved, 1 on failures, 2 when offline."""
    from pipelines.lib.settings import resolve_path

    parser = argparse.ArgumentParser(
        prog="python -m pipelines.lib.comtrade_api",
        description=f"Download UN Comtrade annual HS data (totals by partner). With {KEY_ENV} set the "
                    "subscription endpoint is used, otherwise the public preview (500 rows a response).")
    parser.add_argument("--reporters", nargs="+", type=int, required=True, help="M49 reporter codes, e.g. 156")
    parser.add_argument("--years", nargs="+", type=int, required=True)
    parser.add_argument("--codes", nargs="+", required=True, help="HS codes (2, 4 or 6 digits)")
    parser.add_argument("--flows", nargs="+", default=list(FLOWS), choices=FLOWS)
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT}; relative "
                                                            "paths are taken from the repository root)")
    parser.add_argument("--api-root", default=API_ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--pause", type=float, default=PAUSE_SECONDS, help="seconds between requests")
    args = parser.parse_args(argv)

    environment = os.environ if env is None else env
    key = api_key(environment)
    try:
        plan = plan_requests(args.reporters, args.years, args.codes, has_key=key is not None, flows=args.flows)
    except ValueError as error:
        parser.error(str(error))
    out = resolve_path(args.out)
    print(f"{len(plan)} requests to the {'subscription' if key else 'public preview'} endpoint; saving to {out}")
    try:
        report = download(plan, out, fetch=fetch, env=environment, api_root=args.api_root, pause=args.pause,
                          sleep=sleep)
    except ComtradeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    for failure in report.failures:
        print(f"  failed: {failure.url}\n    {failure.reason}", file=sys.stderr)
    if report.unreachable:
        print(f"error: cannot reach the UN Comtrade API at {args.api_root} -- is this machine online? "
              "Files already saved are kept; run the same command again when the network is back.", file=sys.stderr)
        return 2
    return 0 if report.ok else 1


if __name__ == "__main__":
    # progress on stderr; failures are printed by main() itself, so only records below WARNING are shown
    progress = logging.StreamHandler()
    progress.addFilter(lambda record: record.levelno < logging.WARNING)
    log.addHandler(progress)
    log.setLevel(logging.INFO)
    sys.exit(main())
