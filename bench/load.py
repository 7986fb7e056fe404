"""One request looked at closely (curl), then the same request under load (wrk), checked: every
answer of a load run must have the status and the size the close look found."""

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.processes import BenchError

# A counter spelled as the fraction of a second (and then the seconds) of a time in 2000: every
# request of a run asks for a different address (so the body cache never has it) with the same
# answer, since all the sessions are later.
VARIED_FILTER = "starts_after"
VARIED_START = "2000-01-01T00:00:00.000001Z"
# Answers this small are checked one by one (a cheap callback); larger ones by their average size,
# since copying every body into the script would slow wrk down as much as the server.
CHECK_EACH_BELOW = 4096
CONNECTIONS = 4

_SCRIPT = """
counter = %(start)d
wrong = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
%(request)s
%(response)s
function done(summary, latency, requests)
  local wrong_total = 0
  for _, thread in ipairs(threads) do wrong_total = wrong_total + thread:get("wrong") end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %%d, "bytes": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, '
    .. '"status": %%d, "timeout": %%d, "wrong": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    wrong_total, latency:percentile(50), latency:percentile(99)))
end
"""
_VARIED_REQUEST = """
function request()
  counter = counter + 1
  local s = math.floor(counter / 1000000)
  local path = string.format("%(path)s%(joiner)s%(name)s=2000-01-01T%%02d:%%02d:%%02d.%%06dZ",
    math.floor(s / 3600) %% 24, math.floor(s / 60) %% 60, s %% 60, counter %% 1000000)
  return wrk.format(nil, path)
end
"""
_STATUS_CHECK = """
function response(status, headers, body)
  if status ~= %(status)d then wrong = wrong + 1 end
end
"""


class NoAnswer(BenchError):
    """Not one answer came within the run: too short a run for answers this slow."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    header_bytes: int
    body: bytes

    @property
    def size(self) -> int:
        return self.header_bytes + len(self.body)


def varied(path: str, value: str = VARIED_START) -> str:
    return f"{path}{'&' if '?' in path else '?'}{VARIED_FILTER}={value}"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BenchError(f"{name} is not installed (make bench installs wrk; curl: apt-get install curl)")
    return found


def curl(url: str, headers: dict[str, str], *, work: Path) -> Answer:
    """The answer as a client that sends exactly `headers` (no Accept, no User-Agent) gets it."""
    body_file, header_file = work / "curl.body", work / "curl.headers"
    body_file.unlink(missing_ok=True)  # curl leaves it as it was when an answer has no body
    command = [_tool("curl"), "-sS", "-o", str(body_file), "-D", str(header_file), "-w", "%{http_code} %{size_header}"]
    command += ["-H", "Accept:", "-H", "User-Agent:"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BenchError(f"curl {url} failed: {done.stderr.strip()}")
    status, header_bytes = (int(part) for part in done.stdout.split())
    lines = header_file.read_text(errors="replace").splitlines()[1:]
    parsed = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines) if name}
    return Answer(
        status=status,
        headers=parsed,
        header_bytes=header_bytes,
        body=body_file.read_bytes() if body_file.exists() else b"",
    )


@dataclass(frozen=True)
class Load:
    """What wrk asks, and what every answer must be."""

    url: str
    headers: dict[str, str]
    status: int
    size: int  # bytes per answer, headers included
    vary: bool = False  # a different address each request (see VARIED_FILTER)


@dataclass
class Result:
    rate: float  # answers a second
    raw: dict = field(repr=False)  # what wrk counted (see _SCRIPT)


def wrk(load: Load, *, seconds: float, work: Path, start: int = 0, check: bool = True) -> Result:
    """`wrk -t1 -c4` for `seconds`; a wrong status, a socket error or answers of another size than
    the close look's fail the bench."""
    path = load.url.split("/", 3)[3]
    script = _SCRIPT % {
        "start": start,
        "request": _VARIED_REQUEST % {"path": "/" + path, "joiner": "&" if "?" in path else "?", "name": VARIED_FILTER}
        if load.vary
        else "",
        "response": _STATUS_CHECK % {"status": load.status} if load.size < CHECK_EACH_BELOW else "",
    }
    script_file = work / "load.lua"
    script_file.write_text(script)
    command = [
        _tool("wrk"),
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "60s",
        "-s",
        str(script_file),
    ]
    for name, value in load.headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(  # noqa: S603 - wrk with the bench's own arguments
        [*command, load.url], capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not lines:
        raise BenchError(f"wrk {load.url} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(lines[-1].removeprefix("BENCH "))
    if check:
        _check(load, raw, done.stdout)
    return Result(rate=raw["requests"] / (raw["duration_us"] / 1e6), raw=raw)


def _check(load: Load, raw: dict, output: str) -> None:
    errors = {name: raw[name] for name in ("connect", "read", "write", "timeout", "status", "wrong") if raw[name]}
    if not raw["requests"]:
        raise NoAnswer(f"wrk {load.url}: no answer at all\n{output}")
    if errors:
        raise BenchError(f"wrk {load.url}: {errors} of {raw['requests']} requests went wrong (expected {load.status})")
    # wrk counts the bytes of the answers still arriving when it stops (one a connection at most).
    slack = 16  # a header of another length (a date, a counter)
    low, high = raw["requests"] * (load.size - slack), (raw["requests"] + CONNECTIONS) * (load.size + slack)
    if not low <= raw["bytes"] <= high:
        average = raw["bytes"] / raw["requests"]
        raise BenchError(
            f"wrk {load.url}: answers of about {average:.0f} bytes, but the checked answer has {load.size}"
        )
