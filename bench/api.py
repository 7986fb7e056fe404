"""The API under production settings and gunicorn, side by side with a bare WSGI app serving the
same bytes: each measure is checked once with curl, then loaded with wrk in alternating runs
(bare, ours, bare, ours ...), and the median of each side's runs is compared."""

import gzip
import json
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import databases
from bench.load import Answer, Load, NoAnswer, curl, varied, wrk
from bench.processes import PYTHON, BenchError, environment, idle_wait, port_free, port_wait, run, started
from bench.schedule_data import AGENDA_ITEMS, FEED_SESSIONS, LIST_SESSIONS
from bench.table import Row, Section, at_least, rate

OURS, BARE, IDIOMATIC = 18100, 18101, 18102
HTTPS = {"X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy says; the settings trust it
LIST = f"/api/v1/sessions/?page_size={LIST_SESSIONS}"
IDIOMATIC_LIST = f"/bench/idiomatic/?page_size={LIST_SESSIONS}"
FEED = "/api/v1/sessions.ics"
# A cold run leaves a body in the cache for every address it asked; emptied this often, Redis stays small.
COLD_FLUSH_SECONDS = 2
# A cold run of ours answers far fewer times a second: given longer, it still counts enough answers.
COLD_LONGER = 2
# A cold feed of 2,000 sessions takes seconds to build: this many times longer, a run counts a few.
COLD_FEED_LONGER = 5


@dataclass
class Probe:
    """One measure: what ours is asked and must answer, and what the bare app answers instead."""

    name: str
    port: int
    path: str
    headers: dict[str, str]
    status: int
    looks_right: Callable[[Answer], str | None]  # what is wrong with a 200, or None
    vary: bool = False
    target: float | None = None
    longer: float = COLD_LONGER  # how much longer than a bare run a run of ours lasts, when cold
    answer: Answer | None = None
    loads: tuple[Load, Load] | None = None  # (bare, ours)
    rates: dict[str, list[float]] = field(default_factory=lambda: {"bare": [], "ours": []})

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.name.lower())


def _sessions_listed(answer: Answer) -> str | None:
    page = json.loads(answer.body)
    sizes = {len(session["agenda"]) for session in page["results"]}
    if page["count"] != LIST_SESSIONS or len(page["results"]) != LIST_SESSIONS or sizes != {AGENDA_ITEMS}:
        return f"{page['count']} sessions, {len(page['results'])} on the page, agendas of {sizes} items"
    return None


def _sessions_listed_zipped(answer: Answer) -> str | None:
    """The list, however it came: gzip is the server's choice."""
    if answer.headers.get("content-encoding") == "gzip":
        answer = Answer(answer.status, answer.headers, answer.header_bytes, gzip.decompress(answer.body))
    return _sessions_listed(answer)


def _events(answer: Answer) -> str | None:
    events = answer.body.count(b"BEGIN:VEVENT")
    if not answer.headers.get("content-type", "").startswith("text/calendar") or events != FEED_SESSIONS:
        return f"{answer.headers.get('content-type')} with {events} events"
    return None


def _probes(data: dict) -> list[Probe]:
    lister = {**HTTPS, "Authorization": f"Token {data['list_token']}"}
    feeder = {**HTTPS, "Authorization": f"Token {data['feed_token']}"}
    personal = data["personal_feed"]
    return [
        Probe("idiomatic DRF list, built each time", IDIOMATIC, IDIOMATIC_LIST, lister, 200, _sessions_listed),
        Probe("session list, cold", OURS, LIST, lister, 200, _sessions_listed, vary=True, target=0.05),
        Probe("session list, warm", OURS, LIST, lister, 200, _sessions_listed, target=0.5),
        Probe(
            "session list, warm, gzip", OURS, LIST, {**lister, "Accept-Encoding": "gzip"}, 200, _sessions_listed_zipped
        ),
        Probe("session list, 304", OURS, LIST, lister, 304, lambda a: None, target=0.5),
        Probe(".ics feed, cold", OURS, FEED, feeder, 200, _events, vary=True, longer=COLD_FEED_LONGER),
        Probe(".ics feed, warm", OURS, FEED, feeder, 200, _events, target=0.5),
        Probe("personal calendar, warm", OURS, personal, HTTPS, 200, _events, target=0.5),
        Probe("personal calendar, 304", OURS, personal, HTTPS, 304, lambda a: None, target=0.5),
    ]


def _look(probe: Probe, work: Path, etags: dict[str, str]) -> None:
    """Ask ours once; a wrong status or body stops the bench before anything is measured."""
    headers = dict(probe.headers)
    if probe.status == 304:
        headers["If-None-Match"] = etags[probe.path]
    path = varied(probe.path) if probe.vary else probe.path
    answer = curl(f"http://127.0.0.1:{probe.port}{path}", headers, work=work)
    wrong = f"expected {probe.status}, got {answer.status}" if answer.status != probe.status else None
    if wrong is None and answer.status == 200:
        wrong = probe.looks_right(answer)
        if not probe.vary and "Accept-Encoding" not in headers:  # the address a 304 probe asks again
            etags[probe.path] = answer.headers.get("etag", "")
    if wrong:
        raise BenchError(f"{probe.name} ({path}): {wrong}: {answer.body[:300]!r}")
    probe.headers, probe.answer = headers, answer


def _bare_body(probe: Probe, directory: Path) -> None:
    """The file the bare app serves for the probe: the same bytes and type (and encoding), or `ok`."""
    answer = probe.answer
    headers = {"Content-Type": "text/plain"} if answer.status == 304 else {}
    if answer.status == 200:
        headers["Content-Type"] = answer.headers.get("content-type", "application/octet-stream")
        if encoding := answer.headers.get("content-encoding"):
            headers["Content-Encoding"] = encoding
    (directory / probe.slug).write_bytes(b"ok" if answer.status == 304 else answer.body)
    (directory / f"{probe.slug}.headers").write_text("".join(f"{k}: {v}\n" for k, v in headers.items()))


def _loads(probe: Probe, work: Path) -> None:
    bare_path = f"/{probe.slug}"
    bare = curl(f"http://127.0.0.1:{BARE}{varied(bare_path) if probe.vary else bare_path}", probe.headers, work=work)
    expected = b"ok" if probe.answer.status == 304 else probe.answer.body
    if bare.status != 200 or bare.body != expected:
        raise BenchError(f"the bare app's answer for {probe.name} is not the bytes it should serve")
    ours_url = f"http://127.0.0.1:{probe.port}{probe.path}"
    probe.loads = (
        Load(f"http://127.0.0.1:{BARE}{bare_path}", probe.headers, 200, bare.size, probe.vary),
        Load(ours_url, probe.headers, probe.status, probe.answer.size, probe.vary),
    )


@contextmanager
def _cache_kept_small(active: bool):
    """While a cold run lasts, empty the bench's Redis database every few seconds."""
    stop = threading.Event()

    def flush() -> None:
        while not stop.wait(COLD_FLUSH_SECONDS):
            databases.redis_flush(asynchronous=True)

    thread = threading.Thread(target=flush, daemon=True)
    if active:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if active:
            thread.join()
            databases.redis_flush()


def _measure(probe: Probe, *, seconds: float, rounds: int, work: Path, servers: dict, counter: list[int]) -> None:
    """Warm ours up (not for a cold measure: its answers are built anew whatever happens; the bare
    app has nothing to warm), then bare and ours in turns, each run once the server before it has
    gone quiet."""
    durations = {"warm-up": 1, "bare": seconds, "ours": seconds * probe.longer if probe.vary else seconds}
    sides = list(zip(("bare", "ours"), probe.loads, strict=True))
    runs = [] if probe.vary else [("warm-up", probe.loads[1])]  # both its workers load what they need
    runs += [side for _round in range(rounds) for side in sides]
    for side, load in runs:
        while True:
            try:
                with _cache_kept_small(probe.vary):
                    result = wrk(load, seconds=durations[side], work=work, start=counter[0], check=side != "warm-up")
                break
            except NoAnswer:
                if not probe.vary or durations[side] >= seconds * probe.longer * 8:
                    raise
                # Slower than the run is long (a busy machine): this and the later runs twice as long.
                durations[side] *= 2
            finally:
                counter[0] += 10_000_000  # a cold run never meets an address an earlier one asked
                idle_wait(servers[int(load.url.split(":")[2].split("/")[0])])
        if side != "warm-up":
            probe.rates[side].append(result.rate)


def _rows(probes: list[Probe]) -> list[Row]:
    warm = next(probe for probe in probes if probe.name == "session list, warm")
    reference = statistics.median(warm.rates["bare"])
    rows = [Row(f"bare WSGI app, the warm list's {len(warm.answer.body):,} bytes (reference)", rate(reference))]
    for probe in probes:
        ours, bare = statistics.median(probe.rates["ours"]), statistics.median(probe.rates["bare"])
        ratio = ours / bare
        target, met = at_least(ratio, probe.target) if probe.target is not None else ("", None)
        name = probe.name
        if "Accept-Encoding" in probe.headers:
            name += f" (server sent {probe.answer.headers.get('content-encoding', 'no gzip')})"
        baseline = "bare 'ok'" if probe.status == 304 else f"bare {len(probe.answer.body):,} B"
        rows.append(Row(name, rate(ours), f"{baseline} {rate(bare)}", ratio, target, met))
    return rows


def api_bench(*, work: Path, seconds: float, rounds: int) -> Section:
    began = time.monotonic()
    env = environment(database=databases.API, work=work)
    bare_dir = work / "bare"
    bare_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        servers = {}  # by port
        for app, port, settings in (
            ("config.wsgi", OURS, "config.settings.production"),
            ("config.wsgi", IDIOMATIC, "bench.settings"),
        ):
            # Started while the data is written; asked only once it is.
            servers[port] = _serve(stack, app, port, {**env, "DJANGO_SETTINGS_MODULE": settings}, work)
        data = json.loads(run([PYTHON, "-m", "bench.schedule_data"], env=env).strip().splitlines()[-1])
        probes = _probes(data)
        for port, process in servers.items():
            port_wait(port, process=process, log=_log(work, port))
        etags: dict[str, str] = {}
        for probe in sorted(probes, key=lambda probe: probe.status):  # a 304 needs the ETag of a 200
            _look(probe, work, etags)
            _bare_body(probe, bare_dir)
        bare_env = {**env, "BENCH_BARE_DIR": str(bare_dir)}
        servers[BARE] = _serve(stack, "bench.bare:application", BARE, bare_env, work)
        port_wait(BARE, process=servers[BARE], log=_log(work, BARE))
        print(f"  data, servers and the answers checked: {time.monotonic() - began:.0f} s", flush=True)
        counter = [1000]
        for probe in probes:
            _loads(probe, work)
            started_at = time.monotonic()
            _measure(probe, seconds=seconds, rounds=rounds, work=work, servers=servers, counter=counter)
            print(f"  {probe.name}: {time.monotonic() - started_at:.0f} s", flush=True)
    title = (
        f"API, production settings, gunicorn -w 2 (sync) each, wrk -t1 -c4; median of {rounds} alternating "
        f"runs a side, {seconds:g} s each (ours cold: {seconds * COLD_LONGER:g} s, the cold feed "
        f"{seconds * COLD_FEED_LONGER:g} s, doubled while a run counts no answer); list: {LIST_SESSIONS} "
        f"sessions × {AGENDA_ITEMS} items, feeds: {FEED_SESSIONS} sessions"
    )
    return Section(title, _rows(probes))


def _log(work: Path, port: int) -> Path:
    return work / f"gunicorn-{port}.log"


def _serve(stack: ExitStack, app: str, port: int, env: dict, work: Path) -> subprocess.Popen:
    port_free(port)
    # Sync workers and no access log, for the project and the bare app alike.
    command = [PYTHON, "-m", "gunicorn", app, "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    return stack.enter_context(started(command, env=env, log=_log(work, port)))
