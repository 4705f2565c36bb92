"""Python child processes for work that must not share the gateway's interpreter lock (SMTP,
MIME parsing). Each child is a fresh interpreter running one module, spoken to over a private
socket pair with pickled messages: not fork (the gateway has threads and open database
connections), not multiprocessing's spawn (it would import the gateway's __main__ again).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from gateway.errors import TemporaryFailure

PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


def start(module: str, *arguments: str) -> tuple[subprocess.Popen, Connection]:
    """Run `python -m module FD arguments...`; the child finds its end of the pipe with
    `parent_pipe()`."""
    ours, theirs = socket.socketpair()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (PACKAGE_ROOT, os.environ.get("PYTHONPATH")) if p)}
    try:
        process = subprocess.Popen([sys.executable, "-m", module, str(theirs.fileno()),
                                    *arguments], pass_fds=(theirs.fileno(),),
                                   stdin=subprocess.DEVNULL, env=env)
    except OSError as exc:
        ours.close()
        raise TemporaryFailure(f"cannot start {module}: {exc}") from exc
    finally:
        theirs.close()
    return process, Connection(ours.detach())


def stop(process: subprocess.Popen | None, pipe: Connection | None, timeout: float) -> None:
    """Close the pipe (the child reads end-of-file and exits), wait, kill if it will not go."""
    if pipe is not None:
        pipe.close()
    if process is not None:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def kill(process: subprocess.Popen | None, pipe: Connection | None) -> None:
    if pipe is not None:
        pipe.close()
    if process is not None:
        process.kill()
        process.wait()


def parent_pipe() -> Connection:
    """In the child: its end of the pipe, from the first command-line argument."""
    return Connection(int(sys.argv[1]))


def running(process: subprocess.Popen | None, pipe: Connection | None) -> bool:
    return process is not None and pipe is not None and process.poll() is None
