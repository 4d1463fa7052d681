"""UN Comtrade API client, offline: the recorded responses of data/inputs/trade/comtrade/china_imports_2846
are served back through an httpx.MockTransport (or a stand-in fetch); nothing touches the network."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
import pytest

from pipelines.lib import comtrade_api as api
from pipelines.lib import http
from pipelines.lib.comtrade import comtrade_files, read_comtrade
from pipelines.lib.countries import CountryMatcher
from pipelines.lib.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "data" / "inputs" / "trade" / "comtrade" / "china_imports_2846"
CANARY = "canary-5f2c9e1d7a4b40c8b6e3f1a2d9c7e5b4"
NO_PAUSE = {"pause": 0.0}


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_reference()


def _shipped(year: int) -> dict:
    return json.loads((SHIPPED / f"{year}.json").read_text(encoding="utf-8"))


def _body(rows: list[dict], error: str = "") -> dict:
    return {"elapsedTime": "0.01 secs", "count": len(rows), "data": rows, "error": error}


class FakeComtrade:
    """Answers like the API from the recorded rows: filters on the query, stops at maxRecords.

    `special` maps a period to a function returning a custom response for that year."""

    def __init__(self, special: dict[str, Callable[[httpx.Request], httpx.Response]] | None = None) -> None:
        self.records = [row for year in range(1993, 2025) for row in _shipped(year)["data"]]
        self.calls: list[httpx.Request] = []
        self.special = special or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        period = request.url.params.get("period")
        if period in self.special:
            return self.special[period](request)
        return httpx.Response(200, json=_body(self.rows(request)))

    def rows(self, request: httpx.Request) -> list[dict]:
        """The recorded rows the query asks for, cut off at maxRecords as the API does."""
        query = request.url.params

        def allowed(name: str) -> set[str] | None:
            value = query.get(name)
            return None if value is None else set(value.split(","))

        reporters, codes, flows, partners = (allowed(n) for n in ("reporterCode", "cmdCode", "flowCode", "partnerCode"))
        rows = [
            row for row in self.records
            if str(row["reporterCode"]) in reporters and str(row["refYear"]) == query["period"]
            and row["cmdCode"] in codes and row["flowCode"] in flows
            and (partners is None or str(row["partnerCode"]) in partners)
        ]
        return rows[: int(query["maxRecords"])]

    def fetch(self, **kwargs) -> Callable[..., http.FetchResult]:
        return functools.partial(http.fetch, transport=httpx.MockTransport(self), sleep=lambda s: None, **kwargs)

    def queries(self) -> list[dict[str, str]]:
        return [dict(call.url.params) for call in self.calls]


def _flows(directory: Path, matcher: CountryMatcher) -> pd.DataFrame:
    flows, quarantine, _ = read_comtrade(comtrade_files(directory), matcher, directory)
    assert quarantine.empty
    columns = ["year", "hs_version", "hs_code", "exporter_iso3", "importer_iso3", "value_usd", "quantity_t"]
    return flows[columns].sort_values(["year", "exporter_iso3"]).reset_index(drop=True)


# --- the plan --------------------------------------------------------------------------------------

def test_plan_splits_by_reporter_year_and_code_batch() -> None:
    codes = [f"28{n:02d}" for n in range(30)]
    keyed = api.plan_requests([156, "842"], [2024, 2023], codes, has_key=True)
    assert len(keyed) == 2 * 2 * 2                      # 30 codes -> batches of 25 and 5
    assert [len(r.codes) for r in keyed[:2]] == [25, 5]
    assert [(r.reporter, r.year) for r in keyed[::2]] == [(156, 2023), (156, 2024), (842, 2023), (842, 2024)]
    assert all(r.keyed and r.limit == api.KEYED_ROW_LIMIT and r.flows == ("M", "X") for r in keyed)

    preview = api.plan_requests([156], [2024], ["2846", "2805", "2846", " 2805 "], has_key=False)
    assert [r.codes for r in preview] == [("2805",), ("2846",)]   # one code a request, deduplicated, sorted
    assert all(not r.keyed and r.limit == api.PREVIEW_ROW_LIMIT for r in preview)

    assert api.plan_requests([156], [2024], codes, has_key=False, batch_size=10, flows=["x"])[0].flows == ("X",)
    for bad in (["28461"], ["HS2846"], []):
        with pytest.raises(ValueError):
            api.plan_requests([156], [2024], bad, has_key=False)
    with pytest.raises(ValueError, match="flow"):
        api.plan_requests([156], [2024], ["2846"], has_key=False, flows=["R"])


def test_request_urls_parameters_and_file_names() -> None:
    request = api.plan_requests([156], [2024], ["2846"], has_key=False)[0]
    assert request.url() == (
        "https://comtradeapi.un.org/public/v1/preview/C/A/HS?reporterCode=156&period=2024&cmdCode=2846"
        "&flowCode=M,X&partner2Code=0&customsCode=C00&motCode=0&maxRecords=500&breakdownMode=classic&includeDesc=true"
    )
    keyed = api.plan_requests([156], [2024], ["2846", "2805"], has_key=True)[0]
    assert keyed.url().startswith("https://comtradeapi.un.org/data/v1/get/C/A/HS?reporterCode=156&period=2024"
                                  "&cmdCode=2805,2846&flowCode=M,X&partner2Code=0")
    assert "maxRecords=100000" in keyed.url() and "partnerCode" not in keyed.url()
    some = api.Request(156, 2024, ("2846",), ("M",), partners=(0, 4, 8))
    assert "&partnerCode=0,4,8&" in some.url()
    assert request.relative_path == Path("156", "2024", f"{request.codes_hash}.json")
    hashes = {request.codes_hash, some.codes_hash, api.Request(156, 2024, ("2846",), ("M",), (0, 4)).codes_hash}
    assert len(hashes) == 3
    assert api.Request.from_json(json.loads(json.dumps(some.to_json()))) == some


def test_split_order_codes_then_flows_then_partners() -> None:
    partners = list(range(0, 40))
    batch = api.Request(156, 2024, ("2805", "2846"), ("M", "X"), keyed=True, row_limit=20)
    by_code = api.split_request(batch, partners)
    assert [r.codes for r in by_code] == [("2805",), ("2846",)]
    by_flow = api.split_request(by_code[0], partners)
    assert [r.flows for r in by_flow] == [("M",), ("X",)]
    by_partner = api.split_request(by_flow[0], partners)
    assert [len(r.partners) for r in by_partner] == [10, 10, 10, 10]   # groups of half the limit
    assert sorted(p for r in by_partner for p in r.partners) == partners
    halves = api.split_request(by_partner[0], partners)
    assert [r.partners for r in halves] == [(0, 1, 2, 3, 4), (5, 6, 7, 8, 9)]
    assert api.split_request(api.Request(156, 2024, ("2846",), ("M",), partners=(4,)), partners) == []


# --- endpoints, key and headers --------------------------------------------------------------------

def test_without_a_key_the_public_preview_is_used_and_no_key_header_sent(tmp_path: Path) -> None:
    fake = FakeComtrade()
    plan = api.plan_requests([156], [2024], ["2846"], has_key=False)
    report = api.download(plan, tmp_path, fetch=fake.fetch(), env={}, **NO_PAUSE)
    assert report.ok and report.endpoint == "preview" and report.saved == 1 and report.rows == 34
    (call,) = fake.calls
    assert call.url.host == "comtradeapi.un.org" and call.url.path == "/public/v1/preview/C/A/HS"
    assert api.KEY_HEADER.lower() not in {name.lower() for name in call.headers}
    assert call.headers["user-agent"].startswith("minerals-pipeline/")


def test_with_a_key_the_subscription_endpoint_gets_it_as_a_header_only(tmp_path: Path) -> None:
    fake = FakeComtrade()
    plan = api.plan_requests([156], [2024], ["2846"], has_key=True)
    report = api.download(plan, tmp_path, fetch=fake.fetch(), env={api.KEY_ENV: "k-123"}, **NO_PAUSE)
    assert report.ok and report.endpoint == "keyed" and report.saved == 1
    (call,) = fake.calls
    assert call.url.path == "/data/v1/get/C/A/HS" and call.headers[api.KEY_HEADER] == "k-123"
    assert "k-123" not in str(call.url)


def test_the_key_is_read_from_the_environment_at_call_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(api.KEY_ENV, raising=False)
    assert api.api_key() is None
    monkeypatch.setenv(api.KEY_ENV, "  set-after-import  ")
    assert api.api_key() == "set-after-import"
    fake = FakeComtrade()
    api.download(api.plan_requests([156], [2024], ["2846"], has_key=True), tmp_path, fetch=fake.fetch(), **NO_PAUSE)
    assert fake.calls[0].headers[api.KEY_HEADER] == "set-after-import"


def test_a_keyed_plan_without_a_key_stops_before_any_request(tmp_path: Path) -> None:
    fake = FakeComtrade()
    with pytest.raises(api.ComtradeError, match=api.KEY_ENV):
        api.download(api.plan_requests([156], [2024], ["2846"], has_key=True), tmp_path, fetch=fake.fetch(),
                     env={api.KEY_ENV: " "})
    assert fake.calls == []


def test_a_preview_plan_never_sends_a_key_that_is_set(tmp_path: Path) -> None:
    fake = FakeComtrade()
    api.download(api.plan_requests([156], [2024], ["2846"], has_key=False), tmp_path, fetch=fake.fetch(),
                 env={api.KEY_ENV: "k-123"}, **NO_PAUSE)
    assert api.KEY_HEADER not in fake.calls[0].headers and fake.calls[0].url.path.startswith("/public/")


def test_keyed_requests_do_not_follow_redirects(tmp_path: Path) -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(302, headers={"Location": "https://elsewhere.invalid/steal"})

    fetch = functools.partial(http.fetch, transport=httpx.MockTransport(handler), sleep=lambda s: None)
    report = api.download(api.plan_requests([156], [2024], ["2846"], has_key=True), tmp_path, fetch=fetch,
                          env={api.KEY_ENV: "k-123"}, **NO_PAUSE)
    assert hosts == ["comtradeapi.un.org"]
    assert "redirect" in report.failures[0].reason and not report.files


# --- replaying the recorded responses --------------------------------------------------------------

def test_downloaded_files_read_like_the_shipped_ones(tmp_path: Path, matcher: CountryMatcher) -> None:
    """Serve the recorded bytes verbatim: the saved files are those bytes and read to the same rows."""

    def replay(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=(SHIPPED / f"{request.url.params['period']}.json").read_bytes(),
                              headers={"content-type": "application/json"})

    fetch = functools.partial(http.fetch, transport=httpx.MockTransport(replay), sleep=lambda s: None)
    out = tmp_path / "downloads"
    report = api.download(api.plan_requests([156], [2023, 2024], ["2846"], has_key=False), out, fetch=fetch,
                          env={}, **NO_PAUSE)
    assert report.ok and report.saved == 2 and report.rows == 33 + 34
    for relative in report.files:
        year = Path(relative).parts[1]
        assert (out / relative).read_bytes() == (SHIPPED / f"{year}.json").read_bytes()
    assert sorted(p.name for p in out.rglob("*") if p.is_file() and p.name.startswith(".")) == []  # no temp left

    expected_dir = tmp_path / "shipped"
    expected_dir.mkdir()
    for year in (2023, 2024):
        (expected_dir / f"{year}.json").write_bytes((SHIPPED / f"{year}.json").read_bytes())
    pd.testing.assert_frame_equal(_flows(out, matcher), _flows(expected_dir, matcher))
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(report.files)
    assert {e["count"] for e in manifest["files"].values()} == {33, 34}


def test_a_batch_at_the_row_limit_is_asked_again_one_code_at_a_time(tmp_path: Path) -> None:
    """A two-code response that comes back with count == 500 (the preview's limit) may be cut off."""
    fake = FakeComtrade()

    def full(request: httpx.Request) -> httpx.Response:
        if "," in request.url.params["cmdCode"]:
            rows = (_shipped(2024)["data"] * 15)[:500]
            return httpx.Response(200, json=_body(rows))
        return httpx.Response(200, json=_body(fake.rows(request)))

    fake.special = {"2024": full}
    plan = api.plan_requests([156], [2024], ["2846", "2805"], has_key=False, batch_size=2)
    report = api.download(plan, tmp_path, fetch=fake.fetch(), env={}, **NO_PAUSE)
    assert [q["cmdCode"] for q in fake.queries()] == ["2805,2846", "2805", "2846"]
    assert report.ok and report.resplit == 1 and report.saved == 2 and report.rows == 34
    parent = tmp_path / plan[0].relative_path
    assert not parent.exists() and parent.with_suffix(".split").exists()


def test_truncated_responses_are_split_until_nothing_is_cut_off(tmp_path: Path, matcher: CountryMatcher) -> None:
    """With a 10-row limit, the 34 rows of 2024 come back in pieces; together they are the whole file."""
    fake = FakeComtrade()
    plan = api.plan_requests([156], [2024], ["2846"], has_key=False, row_limit=10)
    report = api.download(plan, tmp_path / "dl", fetch=fake.fetch(), env={}, **NO_PAUSE)
    assert report.ok and report.rows == 34
    queries = fake.queries()
    assert queries[0]["flowCode"] == "M,X" and "partnerCode" not in queries[0]     # truncated: 10 rows
    assert queries[1]["flowCode"] == "M" and "partnerCode" not in queries[1]       # truncated: 10 rows
    assert all("partnerCode" in q for q in queries[2:-1]) and queries[-1]["flowCode"] == "X"
    assert max(len(q["partnerCode"].split(",")) for q in queries[2:-1]) == 5       # half the limit
    assert report.resplit == 2 and report.fetched == len(queries)
    for relative in report.files:
        saved = json.loads((tmp_path / "dl" / relative).read_text())
        assert saved["count"] < 10 and saved["count"] == len(saved["data"])

    expected_dir = tmp_path / "shipped"
    expected_dir.mkdir()
    (expected_dir / "2024.json").write_bytes((SHIPPED / "2024.json").read_bytes())
    pd.testing.assert_frame_equal(_flows(tmp_path / "dl", matcher), _flows(expected_dir, matcher))

    again = api.download(plan, tmp_path / "dl", fetch=fake.fetch(), env={}, **NO_PAUSE)
    assert len(fake.calls) == len(queries)          # the split records are followed, nothing is asked again
    assert again.fetched == 0 and again.saved == 0 and again.skipped == 2 + report.saved


def test_partners_seen_in_a_truncated_response_are_asked_for_too(tmp_path: Path) -> None:
    fake = FakeComtrade()
    plan = api.plan_requests([156], [2024], ["2846"], has_key=False, flows=["M"], row_limit=40)
    # a partner code outside the project's list (999) turns up only in the cut-off response
    fake.records = [dict(r, partnerCode=999) if r["partnerCode"] == 104 else r for r in fake.records]
    padded = [dict(_shipped(2024)["data"][1], partnerCode=999)] * 40

    def first_full(request: httpx.Request) -> httpx.Response:
        if "partnerCode" not in request.url.params:
            return httpx.Response(200, json=_body(padded))
        return httpx.Response(200, json=_body(fake.rows(request)))

    fake.special = {"2024": first_full}
    report = api.download(plan, tmp_path, fetch=fake.fetch(), env={}, partner_codes=[0, 40, 104], **NO_PAUSE)
    asked = {int(p) for q in fake.queries()[1:] for p in q["partnerCode"].split(",")}
    assert asked == {0, 40, 104, 999} and report.ok and report.rows == 3
    saved = json.loads((tmp_path / report.files[0]).read_text())
    assert {r["partnerCode"] for r in saved["data"]} == {0, 40, 999}


def test_a_truncated_response_that_cannot_be_split_is_reported_not_saved(tmp_path: Path) -> None:
    fake = FakeComtrade()
    single = api.Request(156, 2024, ("2846",), ("M",), partners=(0,), row_limit=1)
    report = api.download([single], tmp_path, fetch=fake.fetch(), env={}, **NO_PAUSE)
    (failure,) = report.failures
    assert "cannot be split further" in failure.reason and "partnerCode=0" in failure.url
    assert not report.ok and report.saved == 0 and list(tmp_path.rglob("*.json")) == []


# --- retries, idempotence, errors ------------------------------------------------------------------

def test_429_is_retried_by_http_fetch_with_retry_after(tmp_path: Path) -> None:
    fake = FakeComtrade()
    answers = iter([httpx.Response(429, headers={"Retry-After": "3"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or fake(request)

    waits: list[float] = []
    fetch = functools.partial(http.fetch, transport=httpx.MockTransport(handler), sleep=waits.append)
    report = api.download(api.plan_requests([156], [2024], ["2846"], has_key=False), tmp_path, fetch=fetch,
                          env={}, **NO_PAUSE)
    assert waits == [3.0] and report.ok and report.saved == 1 and report.fetched == 1


def test_requests_are_spaced_out(tmp_path: Path) -> None:
    pauses: list[float] = []
    api.download(api.plan_requests([156], [2022, 2023, 2024], ["2846"], has_key=False), tmp_path,
                 fetch=FakeComtrade().fetch(), env={}, pause=1.5, sleep=pauses.append)
    assert pauses == [1.5, 1.5]


def test_re_download_skips_what_is_already_there(tmp_path: Path) -> None:
    fake = FakeComtrade()
    plan = api.plan_requests([156], [2022, 2023, 2024], ["2846"], has_key=False)
    first = api.download(plan, tmp_path, fetch=fake.fetch(), env={}, **NO_PAUSE)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.json")}
    second = api.download(plan, tmp_path, fetch=fake.fetch(), env={}, **NO_PAUSE)
    assert first.saved == 3 and len(fake.calls) == 3
    assert second.fetched == 0 and second.saved == 0 and second.skipped == 3 and second.ok
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.json")} == before

    (tmp_path / plan[1].relative_path).unlink()          # a missing file is fetched again, the others not
    third = api.download(plan, tmp_path, fetch=fake.fetch(), env={}, **NO_PAUSE)
    assert third.saved == 1 and third.skipped == 2 and fake.queries()[-1]["period"] == "2023"
    assert sorted(json.loads((tmp_path / "manifest.json").read_text())["files"]) == sorted(first.files)


def test_api_and_http_errors_are_reported_with_the_url(tmp_path: Path) -> None:
    fake = FakeComtrade({
        "2021": lambda r: httpx.Response(200, json=_body([], error="Invalid parameter cmdCode")),
        "2022": lambda r: httpx.Response(400, json={"statusCode": 400, "message": "bad request"}),
        "2023": lambda r: httpx.Response(200, content=b"<html>maintenance</html>"),
    })
    plan = api.plan_requests([156], [2021, 2022, 2023, 2024], ["2846"], has_key=False)
    report = api.download(plan, tmp_path, fetch=fake.fetch(), env={}, **NO_PAUSE)
    assert [f.url for f in report.failures] == [r.url() for r in plan[:3]]
    reasons = [f.reason for f in report.failures]
    assert "API error: Invalid parameter cmdCode" in reasons[0]
    assert "HTTP 400" in reasons[1] and "not JSON" in reasons[2]
    assert report.saved == 1 and report.files == [plan[3].relative_path.as_posix()] and not report.ok
    assert len(fake.calls) == 4                         # a 400 is not retried


def test_an_unreachable_api_stops_the_run(tmp_path: Path) -> None:
    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    fetch = functools.partial(http.fetch, transport=httpx.MockTransport(offline), sleep=lambda s: None)
    report = api.download(api.plan_requests([156], [2023, 2024], ["2846"], has_key=False), tmp_path, fetch=fetch,
                          env={}, **NO_PAUSE)
    assert report.unreachable and len(report.failures) == 1 and "ConnectError" in report.failures[0].reason
    assert "API unreachable" in report.summary() and not list(tmp_path.iterdir())


# --- the key never leaks ---------------------------------------------------------------------------

def test_the_canary_key_appears_nowhere(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The server echoes the key back in an API error, in a saved body and through a split;
    a stand-in fetch and an offline transport put it in exception messages. None of it escapes."""
    caplog.set_level(logging.DEBUG)
    env = {api.KEY_ENV: CANARY}
    fake = FakeComtrade()

    def echo_in_body(request: httpx.Request) -> httpx.Response:
        rows = [dict(r, cmdDesc=f"key was {request.headers[api.KEY_HEADER]}") for r in fake.rows(request)]
        return httpx.Response(200, json=_body(rows))

    fake.special = {
        "2020": lambda r: httpx.Response(401, json={"message": f"key {r.headers[api.KEY_HEADER]} is not valid"}),
        "2021": lambda r: httpx.Response(200, json=_body([], error=f"Quota exceeded for {r.headers[api.KEY_HEADER]}")),
        "2023": echo_in_body,
    }
    out = tmp_path / "dl"
    plan = api.plan_requests([156], [2020, 2021, 2023, 2024], ["2846"], has_key=True, row_limit=30)
    report = api.download(plan, out, fetch=fake.fetch(), env=env, **NO_PAUSE)
    assert all(call.headers[api.KEY_HEADER] == CANARY for call in fake.calls)      # it was really sent
    assert report.resplit >= 2 and report.saved >= 4 and len(report.failures) == 2
    assert "Quota exceeded for ***" in report.failures[1].reason
    assert any("key was ***" in (out / f).read_text() for f in report.files)
    assert any(out.rglob("*.split"))

    def broken(url: str, **kwargs) -> http.FetchResult:
        raise RuntimeError(f"boom with {kwargs['headers']}")

    with pytest.raises(api.ComtradeError) as raised:
        api.download(plan[:1], tmp_path / "other", env=env, fetch=broken)
    assert raised.value.__cause__ is None

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect (sent {request.headers[api.KEY_HEADER]})", request=request)

    offline_fetch = functools.partial(http.fetch, transport=httpx.MockTransport(offline), sleep=lambda s: None)
    code = api.main(["--reporters", "156", "--years", "2024", "--codes", "2846", "--out", str(tmp_path / "cli")],
                    fetch=offline_fetch, env=env, sleep=lambda s: None)
    printed = capsys.readouterr()
    assert code == 2 and "cannot reach" in printed.err

    saved = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert saved and CANARY.encode() not in saved
    for text in (repr(report), report.summary(), str(raised.value), repr(raised.value), caplog.text,
                 printed.out, printed.err, "\n".join(r.getMessage() for r in caplog.records)):
        assert CANARY not in text
    assert "boom with" in str(raised.value) and api.REDACTED in str(raised.value)


def test_redact_covers_encoded_keys_and_query_parameters() -> None:
    key = "a/b+c"
    assert api.redact("x a/b+c y a%2Fb%2Bc", key) == "x *** y ***"
    assert api.redact("https://h/p?subscription-key=abc123&x=1", None) == "https://h/p?subscription-key=***&x=1"


# --- command line ----------------------------------------------------------------------------------

def test_cli_downloads_with_replayed_responses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeComtrade()
    out = tmp_path / "downloads"
    code = api.main(["--reporters", "156", "--years", "2023", "2024", "--codes", "2846", "--out", str(out)],
                    fetch=fake.fetch(), env={}, sleep=lambda s: None)
    printed = capsys.readouterr().out
    assert code == 0 and "2 requests to the public preview endpoint" in printed and "2 saved (67 rows)" in printed
    assert len(comtrade_files(out)) == 2


def test_cli_says_clearly_when_the_network_is_unreachable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 101] Network is unreachable", request=request)

    fetch = functools.partial(http.fetch, transport=httpx.MockTransport(offline), sleep=lambda s: None)
    code = api.main(["--reporters", "156", "--years", "2023", "2024", "--codes", "2846", "--out", str(tmp_path)],
                    fetch=fetch, env={}, sleep=lambda s: None)
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot reach the UN Comtrade API" in err and "Network is unreachable" in err and "again" in err


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        api.main(["--reporters", "156", "--years", "2024", "--codes", "HS28"], fetch=FakeComtrade().fetch(), env={})
    assert exited.value.code == 2 and "not an HS code" in capsys.readouterr().err
