"""What every part stands up: the same real servers as the tests (Dovecot where installed, else
pymap; an aiosmtpd sink that notes when each mail arrives), a fresh database of each kind, a
gateway configuration, and child processes timed from spawn with their peak RSS.

Systems under test run as child processes, so each one's start-up counts against it and the
sink and the appender here do not share its interpreter lock. Peak RSS is each process's own
high-water mark (VmHWM in /proc), sampled every 20 ms for the child and for the worker
processes it starts (the gateway's parse and SMTP workers), and read once more as they end. The
kernel's ru_maxrss from wait4 is not used where /proc is there: Linux carries the high-water
mark of the process a child was exec'd from into the child's figure, so every child looked at
least as big as the bench itself.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import imapclient

from bench.databases import PG_URL, Database, new_database, postgres_available  # noqa: F401
from gateway.cli import devservers

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = REPO / "ldp.example.toml"
SUPPORT = "helpdesk@lpse.example"
HEADER_RE = {name: re.compile(rb"^" + name + rb":[ \t]*([^\r\n]*)", re.I | re.M)
             for name in (b"In-Reply-To", b"Auto-Submitted")}


class Sink:
    """An aiosmtpd server that keeps, per mail, only when it arrived and what it answers."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str, bool]] = []  # (monotonic, In-Reply-To, is an ack)
        self.arrived = threading.Condition()
        self.port = 0
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        now = time.monotonic()
        head = (envelope.original_content or envelope.content)[:8192].split(b"\r\n\r\n", 1)[0]
        reply = HEADER_RE[b"In-Reply-To"].search(head)
        auto = HEADER_RE[b"Auto-Submitted"].search(head)
        with self.arrived:
            self.arrivals.append((now, reply.group(1).decode() if reply else "",
                                  bool(auto and auto.group(1).strip() == b"auto-replied")))
            self.arrived.notify_all()
        return "250 OK"

    def start(self) -> "Sink":
        import logging
        from aiosmtpd.controller import Controller
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.port = devservers.free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def reset(self) -> None:
        with self.arrived:
            self.arrivals = []

    def acks(self) -> list[tuple[float, str]]:
        with self.arrived:
            return [(t, reply) for t, reply, ack in self.arrivals if ack]

    def wait_for(self, count: int, timeout: float, acks_only: bool = False) -> bool:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while (sum(1 for a in self.arrivals if a[2]) if acks_only
                   else len(self.arrivals)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(min(left, 1.0))
        return True


@dataclass
class Servers:
    imap: devservers.ImapServer
    sink: Sink

    def stop(self) -> None:
        self.sink.stop()
        self.imap.stop()


def start_servers() -> Servers:
    return Servers(devservers.start_imap(username=SUPPORT, password="bench"), Sink().start())


def login(server: devservers.ImapServer) -> imapclient.IMAPClient:
    client = imapclient.IMAPClient(server.host, port=server.port, ssl=False, timeout=120)
    client.login(server.username, server.password)
    return client


def load(server: devservers.ImapServer, folder: str, raws: Iterable[bytes],
         chunk: int = 100) -> int:
    """APPEND every mail to `folder` (MULTIAPPEND in chunks where offered); returns the count."""
    client = login(server)
    if not client.folder_exists(folder):
        client.create_folder(folder)
    multi = client.has_capability("MULTIAPPEND")
    count, pending = 0, []
    for raw in raws:
        pending.append(raw)
        if len(pending) >= chunk:
            count += _append(client, folder, pending, multi)
            pending = []
    count += _append(client, folder, pending, multi)
    client.logout()
    return count


def _append(client: imapclient.IMAPClient, folder: str, raws: list[bytes], multi: bool) -> int:
    if raws and multi:
        client.multiappend(folder, raws)
    else:
        for raw in raws:
            client.append(folder, raw)
    return len(raws)


def copy_folder(server: devservers.ImapServer, source: str, target: str) -> int:
    """A fresh copy of a loaded folder, made by the server (Dovecot hard-links the files)."""
    client = login(server)
    client.create_folder(target)
    client.select_folder(source, readonly=True)
    uids = client.search(["ALL"])
    if uids:
        client.copy(uids, target)
    client.logout()
    return len(uids)


def gateway_config(workdir: Path, servers: Servers, folder: str, db_url: str,
                   **sections: dict) -> Path:
    """The shipped example configuration (teams, agents, the default rules), pointed at the
    bench's servers; `sections` override single keys, e.g. imap={"idle": False}."""
    data = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    imap = servers.imap
    data["support"].update(address=SUPPORT, data_dir=str(workdir / "data"))
    data["database"] = {"url": db_url}
    data["imap"].update(host=imap.host, port=imap.port, security="none", username=imap.username,
                        password=imap.password, folder=folder, timeout=60,
                        processed_folder=f"{folder}-done", quarantine_folder=f"{folder}-bad")
    data["smtp"].update(host="127.0.0.1", port=servers.sink.port, security="none", username="",
                        password="", timeout=60)
    data.setdefault("security", {})["secret"] = "bench-secret-0123456789abcdef"
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    path = workdir / f"ldp-{folder}.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return path


def to_toml(data: dict) -> str:
    """Just enough TOML for a configuration: tables, arrays of tables, inline values."""
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines += [f"[{key}]"] + [f"{k} = {_toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                lines += [f"[[{key}]]"] + [f"{k} = {_toml_value(v)}" for k, v in item.items()]
        else:
            lines.insert(0, f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def ldp(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "gateway", "--config", str(config), *args]


@dataclass
class Child:
    """A finished child: wall time from spawn to exit, exit code, peak RSS (its own, and the
    largest of the worker processes it started), what it printed."""

    started: float
    seconds: float
    returncode: int
    peak_rss_mb: float
    output: str = field(repr=False, default="")
    workers_peak_rss_mb: float = 0.0

    def json(self) -> dict:
        """The last line of the output that is a JSON object (how bench children report)."""
        for line in reversed(self.output.splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(f"no JSON line from child (exit {self.returncode}):\n{self.output}")


class PeakSampler:
    """VmHWM of a process and of its descendants, sampled until stopped (kB per pid)."""

    INTERVAL = 0.02

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            self.sample()

    def sample(self) -> None:
        own = _cmdline(self.pid)
        for pid in self._tree(self.pid):
            # A child caught between fork and exec still has its parent's memory and command
            # line: its figure would be the parent's, not its own.
            if pid != self.pid and _cmdline(pid) == own:
                continue
            peak = _vm_hwm_kb(pid)
            if peak:
                self.peaks[pid] = max(peak, self.peaks.get(pid, 0))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _tree(self, pid: int) -> list[int]:
        found, todo = [], [pid]
        while todo:
            current = todo.pop()
            found.append(current)
            for task in Path(f"/proc/{current}/task").glob("*/children"):
                try:
                    todo += [int(c) for c in task.read_text().split()]
                except OSError:
                    continue
        return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _vm_hwm_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) if found else 0


class Running:
    """A child process started now; `finish()` waits (or stops it) and reads its peaks."""

    def __init__(self, argv: list[str], cwd: Path, env: dict | None = None) -> None:
        self.log = Path(cwd) / f"child-{uuid.uuid4().hex[:8]}.log"
        self.handle = open(self.log, "wb")
        self.started = time.monotonic()
        # The children import `bench` and `gateway` from this checkout, whatever the cwd.
        path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONPATH": path, **(env or {})}
        self.process = subprocess.Popen(argv, cwd=cwd, env=env,
                                        stdout=self.handle, stderr=subprocess.STDOUT)
        self.sampler = PeakSampler(self.process.pid) if Path("/proc/self/status").exists() \
            else None

    def finish(self, timeout: float = 900.0, stop: bool = False) -> Child:
        if stop:
            self.process.send_signal(signal.SIGTERM)
        watchdog = threading.Timer(timeout, self.process.kill)
        watchdog.start()
        try:
            # Waits without reaping, so the last look at /proc still finds the process.
            os.waitid(os.P_PID, self.process.pid, os.WEXITED | os.WNOWAIT)
            if self.sampler is not None:
                self.sampler.stop()
                self.sampler.sample()
            _, status, usage = os.wait4(self.process.pid, 0)
        finally:
            watchdog.cancel()
        ended = time.monotonic()
        self.process.returncode = os.waitstatus_to_exitcode(status)
        self.handle.close()
        output = self.log.read_text(errors="replace")
        self.log.unlink()
        peaks = dict(self.sampler.peaks) if self.sampler is not None else {}
        own = peaks.pop(self.process.pid, 0) / 1024 or usage.ru_maxrss / 1024
        return Child(self.started, ended - self.started, self.process.returncode, own, output,
                     max(peaks.values(), default=0) / 1024)


def run_child(argv: list[str], cwd: Path, env: dict | None = None,
              timeout: float = 900.0) -> Child:
    return Running(argv, cwd, env).finish(timeout)


def check(child: Child, what: str) -> Child:
    if child.returncode != 0:
        raise RuntimeError(f"{what} exited {child.returncode}:\n{child.output[-3000:]}")
    return child
