"""HTTP fetching for online sources: bounded in time and size, polite, retried, conditional.

- connect/read timeouts and an overall deadline per fetch (a slow-drip server cannot hang a run);
- retries with exponential backoff on 5xx, 429 and dropped connections, honouring Retry-After;
- conditional GET: pass the ETag / Last-Modified of the previous fetch, get 304 when unchanged;
- a descriptive User-Agent, a cap on redirects and on the response size;
- extra request headers (an API key, say) for callers that need them.

Pure library code: no Dagster, no global state; `sleep` and `clock` can be injected by tests.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

USER_AGENT = "minerals-pipeline/0.1 (critical-minerals value-chain tables; +https://github.com/)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(RuntimeError):
    """A fetch that failed for good; the message names the URL and the reason."""


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 120.0          # seconds for the whole fetch, retries included
    max_bytes: int = 5 * 1024 * 1024
    retries: int = 4                 # attempts after the first
    backoff_base: float = 1.0        # 1, 2, 4, 8 ... seconds
    backoff_max: float = 60.0        # also caps a server's Retry-After
    max_redirects: int = 5
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int                      # 200 (content) or 304 (unchanged since the validators given)
    content: bytes | None
    etag: str | None
    last_modified: str | None
    attempts: int

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    policy: FetchPolicy = FetchPolicy(),
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    headers: Mapping[str, str] | None = None,
) -> FetchResult:
    """GET `url` under `policy`; raises FetchError when it cannot succeed.

    `headers` are added to every attempt; their values never appear in the error messages (only
    the URL and the reason do), so a secret belongs in a header, not in the URL."""
    headers = {"User-Agent": policy.user_agent, "Accept": "*/*", **(headers or {})}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    started = clock()

    def remaining() -> float:
        return policy.deadline - (clock() - started)

    last_problem = "no attempt made"
    with httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=policy.max_redirects,
                      headers=headers, transport=transport) as client:
        for attempt in range(1, policy.retries + 2):
            wait: float | None = None
            try:
                return _attempt(client, url, policy, remaining, attempt)
            except _Retry as retry:
                last_problem, wait = retry.reason, retry.wait
            except httpx.TooManyRedirects as error:
                raise FetchError(f"{url}: too many redirects ({error})") from error
            except (httpx.TransportError, httpx.RemoteProtocolError) as error:
                last_problem = f"{type(error).__name__}: {error}"
            if attempt > policy.retries:
                break
            backoff = min(policy.backoff_max, policy.backoff_base * 2 ** (attempt - 1))
            delay = min(policy.backoff_max, wait) if wait is not None else backoff
            if delay >= remaining():
                raise FetchError(f"{url}: gave up after {attempt} attempts within the {policy.deadline:.0f} s "
                                 f"deadline; last problem: {last_problem}")
            sleep(delay)
    raise FetchError(f"{url}: failed after {policy.retries + 1} attempts; last problem: {last_problem}")


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.wait = reason, wait


def _attempt(client: httpx.Client, url: str, policy: FetchPolicy, remaining: Callable[[], float],
             attempt: int) -> FetchResult:
    if remaining() <= 0:
        raise FetchError(f"{url}: deadline of {policy.deadline:.0f} s passed")
    with client.stream("GET", url) as response:
        if response.status_code == 304:
            return FetchResult(url, 304, None, response.headers.get("etag"),
                               response.headers.get("last-modified"), attempt)
        if response.status_code in RETRY_STATUSES:
            raise _Retry(f"HTTP {response.status_code}", retry_after_seconds(response.headers.get("retry-after")))
        if response.status_code >= 400:
            raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > policy.max_bytes:
            raise FetchError(f"{url}: response of {int(declared):,} bytes is over the {policy.max_bytes:,}-byte limit")
        body = bytearray()
        for chunk in response.iter_bytes():
            body.extend(chunk)
            if len(body) > policy.max_bytes:
                raise FetchError(f"{url}: response is over the {policy.max_bytes:,}-byte limit")
            if remaining() <= 0:
                raise FetchError(f"{url}: still downloading when the {policy.deadline:.0f} s deadline passed "
                                 f"({len(body):,} bytes received)")
        return FetchResult(url, response.status_code, bytes(body), response.headers.get("etag"),
                           response.headers.get("last-modified"), attempt)
