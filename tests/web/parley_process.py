"""A real parley-server for the browser endpoint's tests: started on loopback with its HTTP
listener on a free port (the same port again on a restart, as a browser's page expects), every
other listener `none` unless asked for, `--data-dir none` unless given one; ready once the HTTP
port takes connections (polled with a deadline, never a fixed wait); stopped by its PID.
"""

import os
import re
import signal
import socket
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = ROOT / "build" / "bin" / "parley-server"
LISTENING = re.compile(r"listening on (\S+):(\d+) \(([^)]*)\)")


class ServerFailed(Exception):
    """The server did not start, or exited when it should be running."""


def free_port():
    """A port nobody listens on now. The server binds it a moment later: another process
    taking it in between is possible but unlikely, and start() retries on another port."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


class ParleyServer:
    """parley-server with `--http-listen 127.0.0.1:PORT`; `plain=True` adds a plain listener on
    a port the kernel picks (read from the log as `plain_port`); `args` are more flags."""

    def __init__(self, binary=None, args=(), data_dir=None, plain=False, log_dir=None):
        self.binary = Path(binary or os.environ.get("PARLEY_SERVER", DEFAULT_BINARY))
        self.args = list(args)
        self.data_dir = data_dir
        self.plain = plain
        # The log goes to a file, never a pipe nobody reads (a full pipe would block the
        # server); a directory of its own, removed on stop(), unless one is given.
        self.own_log_dir = log_dir is None
        self.log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="parley-web-"))
        self.http_port = None
        self.plain_port = None
        self.popen = None
        self.log_path = None
        self.starts = 0

    def command(self):
        return [str(self.binary),
                "--listen", f"{HOST}:0" if self.plain else "none",
                "--irc-listen", "none",
                "--data-dir", str(self.data_dir) if self.data_dir else "none",
                "--http-listen", f"{HOST}:{self.http_port}",
                *self.args]

    def start(self, timeout=10.0):
        """Starts the server and waits until it takes connections. A restart keeps the port."""
        if not os.access(self.binary, os.X_OK):
            raise ServerFailed(f"{self.binary} does not exist or is not executable: build it")
        keep_port = self.http_port is not None
        for attempt in range(3):
            if not keep_port:
                self.http_port = free_port()
            self._spawn()
            try:
                self._wait_ready(timeout)
                return self
            except ServerFailed:
                # Lost the race for a free port to somebody else: try another one.
                if keep_port or attempt == 2 or "in use" not in self.log_text():
                    raise
        return self

    def _spawn(self):
        self.starts += 1
        self.log_path = self.log_dir / f"server-{self.starts}.log"
        with open(self.log_path, "wb") as out:
            self.popen = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=out,
                                          stderr=out, start_new_session=True)

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except (FileNotFoundError, TypeError):
            return ""

    def _wait_ready(self, timeout):
        end = time.monotonic() + timeout
        while True:
            rc = self.popen.poll()
            if rc is not None:
                raise ServerFailed(f"parley-server exited with status {rc} at start:\n"
                                   f"{self.log_text()[-2000:]}")
            ready = port_open(self.http_port)
            if ready and self.plain:
                ports = [int(m.group(2)) for m in LISTENING.finditer(self.log_text())
                         if m.group(3).split(",")[0].strip() == "plain"]
                self.plain_port = ports[0] if ports else None
                ready = self.plain_port is not None
            if ready:
                return
            if time.monotonic() >= end:
                self.stop()
                raise ServerFailed(f"parley-server not ready within {timeout:g} s "
                                   f"(http port {self.http_port}):\n{self.log_text()[-2000:]}")
            time.sleep(0.02)

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig):
        if self.running():
            os.kill(self.popen.pid, sig)

    def wait_exit(self, timeout):
        """The exit status, or None if still running after `timeout` seconds."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace=5.0):
        """SIGTERM, then SIGKILL after `grace` seconds; returns the exit status."""
        if self.popen is None:
            return None
        rc = self.popen.poll()
        if rc is None:
            os.kill(self.popen.pid, signal.SIGTERM)
            rc = self.wait_exit(grace)
            if rc is None:
                os.kill(self.popen.pid, signal.SIGKILL)
                rc = self.popen.wait()
        return rc

    def cleanup(self):
        """Stops the server and removes its log directory if it made one."""
        self.stop()
        if self.own_log_dir:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
