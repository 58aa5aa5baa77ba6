"""The parley-server a chaos run or soak is against: started with every listener on an
ephemeral loopback port (plain, IRC and the web endpoint, each over TCP and TLS, and /metrics),
a throwaway self-signed certificate and a temporary data directory; stopped with SIGTERM, after
which it must exit 0 with nothing from the sanitizers on its stderr.
"""

import ctypes
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+) \(([a-z, ]+)\)")
KEYS = {"plain": "plain", "plain, tls": "plain_tls", "irc": "irc", "irc, tls": "irc_tls",
        "web": "web", "web, tls": "web_tls", "metrics": "metrics"}
SANITIZER = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                       r"UndefinedBehaviorSanitizer|SUMMARY: \w+Sanitizer")


def _die_with_parent():
    """In the server's child process: SIGTERM it when the chaos client dies, however it dies,
    so that a killed run (a CI timeout) leaves no server behind."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class ServerFailed(Exception):
    pass


class ServerProcess:
    def __init__(self, binary, extra_args=()):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="parley-chaos-")
        self.log_path = os.path.join(self.dir, "server.log")
        self.extra = list(extra_args)
        self.proc = None
        self.log = None
        self.ports = {}

    def start(self, timeout=30.0):
        key, cert = os.path.join(self.dir, "key.pem"), os.path.join(self.dir, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                        "/CN=localhost", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        any_port = "127.0.0.1:0"
        tls_port = "tls://127.0.0.1:0"
        args = [self.binary, "--data-dir", os.path.join(self.dir, "data"),
                "--listen", any_port, "--listen", tls_port,
                "--irc-listen", any_port, "--irc-listen", tls_port,
                "--http-listen", any_port, "--http-listen", tls_port,
                "--metrics-listen", any_port, "--tls-cert", cert, "--tls-key", key,
                "--server-name", "chaos.parley.test", "--log-level", "info"] + self.extra
        os.makedirs(os.path.join(self.dir, "data"))
        self.log = open(self.log_path, "w+b")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, preexec_fn=_die_with_parent)
        end = time.monotonic() + timeout
        while len(self.ports) < len(KEYS):
            if self.proc.poll() is not None:
                raise ServerFailed(f"the server exited ({self.proc.returncode}) at start:\n"
                                   + self.tail())
            if time.monotonic() > end:
                raise ServerFailed("the server did not report its ports:\n" + self.tail())
            for port, kind in LISTENING.findall(self.text()):
                self.ports[KEYS[kind]] = int(port)
            time.sleep(0.05)
        return self.ports

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def tail(self, lines=30):
        return "\n".join(self.text().splitlines()[-lines:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30.0):
        """SIGTERM, then the problems: a non-zero exit, a hang, or a sanitizer's report."""
        problems = []
        if self.proc.poll() is not None:
            problems.append(f"the server had exited ({self.proc.returncode}) before SIGTERM")
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                problems.append(f"the server did not exit within {timeout:.0f} s of SIGTERM")
                self.proc.kill()
                self.proc.wait()
            if self.proc.returncode != 0:
                problems.append(f"the server exited with status {self.proc.returncode}")
        reports = [l for l in self.text().splitlines() if SANITIZER.search(l)]
        if reports:
            problems.append("sanitizer report on the server's stderr: " + reports[0])
        if problems:
            problems.append(f"(the server's log: {self.log_path})")
        return problems

    def remove(self):
        """Removes the log, certificate and data directory: after a run that passed."""
        if self.log:
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
