#!/usr/bin/python3
"""The installed parley-server, started as systemd would start it but without systemd (which is
not PID 1 on CI): with the installed config, a NOTIFY_SOCKET this script listens on and a
watchdog. Checks that READY=1 comes once the listeners take connections, that plain and IRC
clients chat, that WATCHDOG=1 keeps coming, that SIGHUP is RELOADING=1 then READY=1 with
nobody dropped, and that SIGTERM is STOPPING=1, a goodbye and exit status 0. Every wait has a
deadline; the server is stopped by its PID whatever happens.

Usage: installed_server.py SERVER CONFIG WORKDIR [extra server flags...]
"""

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

PATIENCE = 10.0


class Failure(Exception):
    pass


def deadline_left(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


class Notify:
    """The datagram socket sd_notify(3) writes to."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.seen = []

    def expect(self, prefix, timeout=PATIENCE):
        deadline = time.monotonic() + timeout
        try:
            while True:
                self.sock.settimeout(deadline_left(deadline))
                message = self.sock.recv(4096).decode()
                self.seen.append(message)
                if message.startswith(prefix):
                    return message
        except (TimeoutError, socket.timeout):
            raise Failure(f"no notification {prefix!r}; got {self.seen!r}") from None


class Log:
    """The server's stderr, line by line."""

    def __init__(self, pipe):
        self.pipe = pipe
        self.buffer = b""
        self.lines = []

    def expect(self, pattern, timeout=PATIENCE):
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        try:
            while True:
                while b"\n" in self.buffer:
                    line, self.buffer = self.buffer.split(b"\n", 1)
                    text = line.decode(errors="replace")
                    self.lines.append(text)
                    match = regex.search(text)
                    if match:
                        return match
                ready, _, _ = select.select([self.pipe], [], [], deadline_left(deadline))
                if ready:
                    chunk = os.read(self.pipe.fileno(), 65536)
                    if not chunk:
                        raise TimeoutError
                    self.buffer += chunk
        except TimeoutError:
            raise Failure(f"no log line matching {pattern!r}; log:\n" + "\n".join(self.lines)) from None


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
        self.buffer = b""

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def expect(self, predicate, what, timeout=PATIENCE):
        deadline = time.monotonic() + timeout
        seen = []
        try:
            while True:
                while b"\n" in self.buffer:
                    line, self.buffer = self.buffer.split(b"\n", 1)
                    text = line.rstrip(b"\r").decode(errors="replace")
                    seen.append(text)
                    if predicate(text):
                        return text
                self.sock.settimeout(deadline_left(deadline))
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise TimeoutError
                self.buffer += chunk
        except (TimeoutError, socket.timeout):
            raise Failure(f"no line {what}; got {seen!r}") from None


def main():
    server, config, work, *extra = sys.argv[1:]
    notify = Notify(os.path.join(work, "notify"))
    env = dict(os.environ, NOTIFY_SOCKET=os.path.join(work, "notify"), WATCHDOG_USEC="1000000")
    args = [server, "--config", config, "--listen", "127.0.0.1:0", "--irc-listen", "127.0.0.1:0",
            "--http-listen", "127.0.0.1:0", "--server-name", "package.test", *extra]
    proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    log = Log(proc.stderr)
    try:
        ready = notify.expect("READY=1")
        # Ready means listening: the ports are logged before and take clients now.
        plain = int(log.expect(r"listening on 127\.0\.0\.1:(\d+) \(plain\)").group(1))
        irc = int(log.expect(r"listening on 127\.0\.0\.1:(\d+) \(irc\)").group(1))
        web = int(log.expect(r"listening on 127\.0\.0\.1:(\d+) \(web\)").group(1))
        print(f"installed server: pid {proc.pid}, plain {plain}, IRC {irc}, web {web}; {ready!r}")

        # The web client is built into the installed binary.
        page = Client(web)
        page.sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        page.expect(lambda l: l == "HTTP/1.1 200 OK", "the web client's page")
        page.expect(lambda l: "<script" in l, "the page's script")

        alice, bob = Client(plain), Client(plain)
        for client, nick in ((alice, "alice"), (bob, "bob")):
            client.send(f"/nick {nick}")
            client.expect(lambda l, n=nick: l.endswith(f"is now known as {n}"), f"naming {nick}")
        carol = Client(irc)
        carol.send("NICK carol")
        carol.send("USER carol 0 * :Carol")
        carol.expect(lambda l: " 001 carol " in l, "001 for carol")
        carol.send("JOIN #lobby")
        carol.expect(lambda l: " 366 carol " in l, "the end of #lobby's names")
        alice.send("hello from the package")
        bob.expect(lambda l: l == "#lobby <alice> hello from the package", "alice's line at bob")
        carol.expect(lambda l: l.endswith("PRIVMSG #lobby :hello from the package"),
                     "alice's line at carol")

        notify.expect("WATCHDOG=1", timeout=5)
        proc.send_signal(signal.SIGHUP)
        notify.expect("RELOADING=1")
        notify.expect("READY=1")
        log.expect(r"reloaded the configuration")
        bob.send("still here after the reload")
        alice.expect(lambda l: l == "#lobby <bob> still here after the reload", "bob's line")

        proc.send_signal(signal.SIGTERM)
        notify.expect("STOPPING=1")
        alice.expect(lambda l: l == "-!- Server is shutting down. Goodbye.", "the goodbye")
        code = proc.wait(timeout=PATIENCE)
        if code != 0:
            raise Failure(f"exit status {code}")
        print(f"installed server: notifications {notify.seen!r}; exit status 0")
    except Failure as e:
        print(f"installed server: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        if proc.poll() is None:
            proc.kill()  # ours: started above
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
