#!/usr/bin/python3
"""One network-fault case against a live parley-server, as scripts/net-faults runs them.

The server runs in the network namespace SRV (plain listener on port 7777 of every address,
/metrics on 127.0.0.1:9100 there). The namespace CLI is joined to it by a veth pair (SRV side
10.77.0.1, CLI side 10.77.0.2; IPv6 2001:db8:1::/64 and 2001:db8:2::/64). The "good side" is
a sender and a receiver on SRV's loopback; the "bad side" is a receiver in CLI, whose link the
case damages: random loss (nftables numgen), a slow link (tc tbf), the link down and up,
reordering (an htb qdisc with a slow class that nftables sends a random quarter of packets to),
a delaying relay (a userspace TCP relay in CLI, here), or cut for good (nftables drop all).

Each case asserts that the good side keeps getting every message in order within
GOOD_DEADLINE while the bad side is degraded, and that the bad side gets every message in
order late, or is disconnected cleanly and the server has let it go (its /metrics gauge
parley_connections, the nickname free again). It prints what it measured on one line.

Sockets are made in a namespace by switching this thread into it for the socket() call only
(setns): a socket stays in the namespace it was made in. Every wait has a deadline; pacing the
sender is the only sleep. Exits 0 on success, 1 on a failed check (with why).

Usage: net_faults.py CASE --srv-ns NS --cli-ns NS --srv-veth IF --cli-veth IF --tag TAG
                     [--server-pid PID --server-log FILE --config FILE]
CASE: loss, slow, evict, down, reorder, delay, cut, idle, reload, ipv6 (scripts/net-faults
gives the server the flags each needs, e.g. --keepalive 2,1,2 for cut).
"""

import argparse
import ctypes
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

PORT = 7777
METRICS_PORT = 9100
SRV_ADDR, CLI_ADDR = "10.77.0.1", "10.77.0.2"
ROOM = "#net"
# The good side's promise: every message within this many seconds of being sent, while the
# bad side is stalled (on loopback it is a few milliseconds; this is CI's slack).
GOOD_DEADLINE = 1.0

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_own_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
_ns_lock = threading.Lock()


class Failed(Exception):
    pass


def check(condition, why):
    if not condition:
        raise Failed(why)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def socket_in(ns, family=socket.AF_INET):
    """A TCP socket in network namespace `ns` (this thread returns to its own at once)."""
    with _ns_lock:
        fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            _setns(fd)
            try:
                return socket.socket(family, socket.SOCK_STREAM)
            finally:
                _setns(_own_ns)
        finally:
            os.close(fd)


def run(*cmd, stdin=None):
    subprocess.run(cmd, input=stdin, text=True, check=True, timeout=10)


def wait_until(predicate, timeout, step=0.02):
    """Polls `predicate` until it is true or `timeout` seconds pass; returns its last value."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= end:
            return value
        time.sleep(step)


class Client:
    """A plain-protocol client; a thread reads its lines, each stamped with its arrival time."""

    def __init__(self, name, ns, host, family=socket.AF_INET, source=None, port=PORT):
        self.name = name
        self.sock = socket_in(ns, family)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if source:
            self.sock.bind((source, 0))
        self.sock.settimeout(5)
        self.sock.connect((host, port))
        self.sock.settimeout(None)
        self.lines = []  # (monotonic time, text)
        self.ended = None  # (monotonic time, "eof" or the error) once the server let go
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buf = b""
        how = "eof"
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                now = time.monotonic()
                buf += data
                *complete, buf = buf.split(b"\n")
                with self.cond:
                    self.lines.extend((now, line.rstrip(b"\r").decode("utf-8", "replace"))
                                      for line in complete)
                    self.cond.notify_all()
        except OSError as e:
            how = f"error {e.strerror or e}"
        with self.cond:
            self.ended = (time.monotonic(), how)
            self.cond.notify_all()

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def wait_for(self, predicate, timeout):
        """Waits until predicate(lines) or the end of the connection; returns predicate's value."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate(self.lines)
                remaining = end - time.monotonic()
                if value or self.ended or remaining <= 0:
                    return value
                self.cond.wait(remaining)

    def wait_line(self, pattern, timeout=5):
        rx = re.compile(pattern)
        found = self.wait_for(lambda lines: any(rx.search(t) for _, t in lines), timeout)
        check(found, f"{self.name}: no line matching {pattern!r} within {timeout} s "
                     f"(ended: {self.ended}; last lines: {[t for _, t in self.lines[-3:]]})")

    def wait_end(self, timeout):
        with self.cond:
            self.cond.wait_for(lambda: self.ended is not None, timeout)
            return self.ended

    def join(self, room=ROOM):
        self.wait_line(r"^--- Your nickname is")
        self.send(f"/nick {self.name}")
        self.wait_line(rf"is now known as {self.name}$")
        self.send(f"/join {room}")
        self.wait_line(rf"^-!- {self.name} joined {room}$")

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def metrics(srv_ns):
    """The server's /metrics as {sample name with labels: value}."""
    s = socket_in(srv_ns)
    try:
        s.settimeout(5)
        s.connect(("127.0.0.1", METRICS_PORT))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    finally:
        s.close()
    out = {}
    for line in data.decode().split("\r\n\r\n", 1)[-1].splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def connections(srv_ns):
    """parley_connections summed over protocols: sessions the server holds now."""
    return sum(v for k, v in metrics(srv_ns).items() if k.startswith("parley_connections{"))


def counter(srv_ns, family, **labels):
    want = [f'{k}="{v}"' for k, v in labels.items()]
    return sum(v for k, v in metrics(srv_ns).items()
               if k.startswith(family + "{") and all(w in k for w in want))


def wait_server(srv_ns, timeout=5):
    def up():
        try:
            metrics(srv_ns)
            return True
        except OSError:
            return False
    check(wait_until(up, timeout, 0.05), f"the server did not answer /metrics within {timeout} s")


MESSAGE = re.compile(rf"^{ROOM} <sender> m(\d+) ")


def received(client):
    """The numbers of the sender's messages `client` got, in arrival order, with arrival times."""
    with client.cond:
        return [(int(m.group(1)), t) for t, text in client.lines if (m := MESSAGE.match(text))]


class Traffic:
    """The sender's numbered messages to ROOM, paced, with the time each was sent."""

    def __init__(self, sender, count, interval, size):
        self.sender, self.count, self.interval, self.size = sender, count, interval, size
        self.sent = {}

    def send_all(self):
        start = time.monotonic()
        for i in range(self.count):
            # Pacing the load, not waiting for anything: message i leaves at start + i*interval.
            delay = start + i * self.interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.sent[i] = time.monotonic()
            self.sender.send(f"m{i:05d} " + "x" * self.size)

    def complete(self, client):
        return len(received(client)) >= self.count

    def delays(self, client):
        return [t - self.sent[i] for i, t in received(client)]

    def check_good(self, good):
        """Every message, in order, each within GOOD_DEADLINE of being sent."""
        good.wait_for(lambda _: self.complete(good), GOOD_DEADLINE + 1)
        got = [i for i, _ in received(good)]
        check(got == list(range(self.count)),
              f"good side got {len(got)} of {self.count} messages or out of order")
        worst = max(self.delays(good))
        check(worst <= GOOD_DEADLINE,
              f"good side waited {worst:.3f} s for a message (deadline {GOOD_DEADLINE} s)")
        return worst

    def in_order_prefix(self, client):
        got = [i for i, _ in received(client)]
        check(got == list(range(len(got))), f"{client.name} got messages out of order or "
                                             f"with a gap: {got[:10]}...")
        return len(got)


def good_side(srv_ns):
    sender = Client("sender", srv_ns, "127.0.0.1")
    sender.join()
    good = Client("good", srv_ns, "127.0.0.1")
    good.join()
    return sender, good


def fmt_ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def summary(delays):
    s = sorted(delays)
    return f"median {fmt_ms(s[len(s) // 2])}, max {fmt_ms(s[-1])}"


# ---- the cases -------------------------------------------------------------------------------


def nft(ns, table, chains):
    """An nftables table in `ns`: {chain hook: rule}."""
    body = "".join(
        f"  chain {hook} {{\n    type filter hook {hook} priority 0;\n    {rule}\n  }}\n"
        for hook, rule in chains.items())
    run("ip", "netns", "exec", ns, "nft", "-f", "-", stdin=f"table inet {table} {{\n{body}}}\n")


def degraded_delivery(a, fault, heal=None, count=100, interval=0.02, size=200,
                      bad_timeout=20.0, expect_stall=True):
    """The common shape: good and bad join, the fault is applied, the sender sends; the good
    side gets everything in time; the bad side everything in order, late. Returns the line."""
    sender, good = good_side(a.srv_ns)
    bad = Client("bad", a.cli_ns, SRV_ADDR)
    bad.join()
    fault()
    traffic = Traffic(sender, count, interval, size)
    traffic.send_all()
    worst_good = traffic.check_good(good)
    bad_when_good_done = len(received(bad))
    if heal:
        heal()
    bad.wait_for(lambda _: traffic.complete(bad), bad_timeout)
    check(bad.ended is None, f"bad side was disconnected ({bad.ended}) on a link that works")
    n = traffic.in_order_prefix(bad)
    check(n == traffic.count, f"bad side got {n} of {traffic.count} within {bad_timeout} s")
    if expect_stall:
        check(bad_when_good_done < traffic.count,
              "the fault did not hold the bad side back (it was as fast as the good side)")
    delays = traffic.delays(bad)
    return (f"good {count}/{count} in order, max {fmt_ms(worst_good)}; bad {n}/{count} in order, "
            f"{summary(delays)} (had {bad_when_good_done} when the good side had all)")


def case_loss(a):
    # 20 % of packets dropped each way on the bad side's link.
    return degraded_delivery(a, lambda: nft(a.cli_ns, f"loss_{a.tag}", {
        "input": f'iifname "{a.cli_veth}" numgen random mod 100 < 20 drop',
        "output": f'oifname "{a.cli_veth}" numgen random mod 100 < 20 drop',
    }), expect_stall=False)


def case_slow(a):
    # 64 kbit/s from the server to the bad side: 100 messages of ~230 bytes sent in 2 s need
    # about 3 s there. The outbox (1 MiB by default) holds what the link cannot take yet.
    return degraded_delivery(a, lambda: run(
        "ip", "netns", "exec", a.srv_ns, "tc", "qdisc", "add", "dev", a.srv_veth, "root",
        "tbf", "rate", "64kbit", "burst", "4kb", "latency", "5s"))


def case_down(a):
    # The bad side's link goes down for 3 s while messages are sent, then up again: TCP
    # retransmits (backing off) and everything arrives.
    state = {}

    def down():
        run("ip", "-n", a.cli_ns, "link", "set", "dev", a.cli_veth, "down")
        state["at"] = time.monotonic()

    def up():
        remaining = 3.0 - (time.monotonic() - state["at"])
        if remaining > 0:
            time.sleep(remaining)  # how long the link stays down: the fault itself
        run("ip", "-n", a.cli_ns, "link", "set", "dev", a.cli_veth, "up")

    return degraded_delivery(a, down, heal=up, count=50, interval=0.02)


def tcp_ext(ns, name):
    """A TcpExt counter of namespace `ns` (/proc/net/netstat as a process there sees it)."""
    text = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/netstat"], text=True,
                          check=True, capture_output=True, timeout=10).stdout.splitlines()
    for names, values in zip(text[::2], text[1::2]):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split()[1:], values.split()[1:]))[name])
    raise Failed("no TcpExt in /proc/net/netstat")


def case_reorder(a):
    # Packet reordering without netem (nor sch_prio, absent here): a quarter of the server's
    # packets to the bad side are put (nftables: meta priority 1:3) in an htb class limited to
    # 16 kbit/s; the others, in a 100 Mbit/s class, overtake them. The bad side's kernel counts
    # the segments that came out of order (TcpExt TCPOFOQueue), which shows the reordering
    # happened.
    ofo_before = tcp_ext(a.cli_ns, "TCPOFOQueue")

    def fault():
        tc = ("ip", "netns", "exec", a.srv_ns, "tc")
        run(*tc, "qdisc", "add", "dev", a.srv_veth, "root", "handle", "1:", "htb", "default", "2")
        run(*tc, "class", "add", "dev", a.srv_veth, "parent", "1:", "classid", "1:2", "htb",
            "rate", "100mbit", "quantum", "1514")
        run(*tc, "class", "add", "dev", a.srv_veth, "parent", "1:", "classid", "1:3", "htb",
            "rate", "16kbit", "ceil", "16kbit", "burst", "400", "cburst", "400",
            "quantum", "1514")
        nft(a.srv_ns, f"reorder_{a.tag}", {
            "output": f'oifname "{a.srv_veth}" tcp sport {PORT} numgen random mod 100 < 25 '
                      "meta priority set 1:3"})

    line = degraded_delivery(a, fault, count=100, interval=0.02, expect_stall=False)
    ofo = tcp_ext(a.cli_ns, "TCPOFOQueue") - ofo_before
    check(ofo > 0, "no segment reached the bad side out of order: nothing was reordered")
    return f"{line}; {ofo} segments arrived out of order"


class DelayRelay:
    """A TCP relay in the CLI namespace: what the server sends reaches the client DELAY to
    DELAY+JITTER seconds late, in order (each chunk leaves no earlier than the one before)."""

    DELAY, JITTER = 0.3, 0.2

    def __init__(self, cli_ns):
        self.listener = socket_in(cli_ns)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.cli_ns = cli_ns
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        client, _ = self.listener.accept()
        upstream = socket_in(self.cli_ns)
        upstream.connect((SRV_ADDR, PORT))
        threading.Thread(target=self._pump, args=(client, upstream, 0, 0), daemon=True).start()
        threading.Thread(target=self._pump, args=(upstream, client, self.DELAY, self.JITTER),
                         daemon=True).start()

    @staticmethod
    def _pump(src, dst, delay, jitter):
        release = 0.0
        try:
            while data := src.recv(65536):
                release = max(release, time.monotonic() + delay + random.uniform(0, jitter))
                wait = release - time.monotonic()
                if wait > 0:
                    time.sleep(wait)  # the delay the relay exists to add
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def case_delay(a):
    sender, good = good_side(a.srv_ns)
    relay = DelayRelay(a.cli_ns)
    bad = Client("bad", a.cli_ns, "127.0.0.1", port=relay.port)
    bad.join()
    traffic = Traffic(sender, 50, 0.02, 200)
    traffic.send_all()
    worst_good = traffic.check_good(good)
    bad.wait_for(lambda _: traffic.complete(bad), 10)
    n = traffic.in_order_prefix(bad)
    check(n == traffic.count, f"bad side got {n} of {traffic.count}")
    delays = traffic.delays(bad)
    check(min(delays) >= DelayRelay.DELAY * 0.9, "the relay did not delay")
    return (f"good {n}/{n} in order, max {fmt_ms(worst_good)}; bad through the relay "
            f"({fmt_ms(DelayRelay.DELAY)} + up to {fmt_ms(DelayRelay.JITTER)}) {n}/{n} in order, "
            f"{summary(delays)}")


def cut(a):
    """Every packet of the bad side's link dropped, both ways: a peer gone without a FIN."""
    nft(a.cli_ns, f"cut_{a.tag}", {"input": f'iifname "{a.cli_veth}" drop',
                                   "output": f'oifname "{a.cli_veth}" drop'})
    return time.monotonic()


def reaped(a, before, start, bound, sender):
    """Waits (until the bound plus a margin) for the server to drop the bad side: its
    connection gauge one lower, and the nickname "bad" free for the sender to take."""
    margin = 3.0
    left = bound + margin - (time.monotonic() - start)
    gone = wait_until(lambda: connections(a.srv_ns) == before - 1, left, 0.05)
    took = time.monotonic() - start
    check(gone, f"the server still holds the dead peer {took:.1f} s after the cut "
                f"(bound {bound} s + {margin} s)")
    sender.send("/nick bad")
    sender.wait_line(r"^-!- sender is now known as bad$")
    return took


def case_cut(a):
    # --keepalive 2,1,2: unacknowledged data may wait 4 s (TCP_USER_TIMEOUT) before the
    # connection is dropped, instead of ~15 minutes of retransmissions.
    bound = 2 + 1 * 2
    sender, good = good_side(a.srv_ns)
    bad = Client("bad", a.cli_ns, SRV_ADDR)
    bad.join()
    before = connections(a.srv_ns)
    start = cut(a)
    traffic = Traffic(sender, 40, 0.05, 200)  # 2 s of messages, all unacknowledged on the cut
    traffic.send_all()
    worst_good = traffic.check_good(good)
    took = reaped(a, before, start, bound, sender)
    check(took >= 1.0, f"reaped after {took:.1f} s: too soon to be the user timeout's doing")
    n = traffic.in_order_prefix(bad)
    return (f"good {traffic.count}/{traffic.count} in order, max {fmt_ms(worst_good)}; "
            f"bad (cut, data in flight) reaped {took:.1f} s after the cut (bound {bound} s), "
            f"had {n} messages; nick free again")


def send_queue(srv_ns):
    """Bytes the server has sent to the bad side and not had acknowledged, or not sent yet
    (ss: Send-Q of its established connections to CLI_ADDR)."""
    out = subprocess.run(["ip", "netns", "exec", srv_ns, "ss", "-Htn", "state", "established",
                          "dst", CLI_ADDR], text=True, check=True, capture_output=True,
                         timeout=10).stdout
    return sum(int(line.split()[1]) for line in out.splitlines() if line.strip())


def case_idle(a):
    # --keepalive 3,1,3: an idle dead peer is probed after 3 s of silence, 3 probes 1 s apart,
    # gone by 6 s. Nothing is sent to it (its room is its own), so only keepalive can tell.
    bound = 3 + 1 * 3
    sender, _ = good_side(a.srv_ns)
    bad = Client("bad", a.cli_ns, SRV_ADDR)
    bad.join("#quiet")
    before = connections(a.srv_ns)
    # Idle means nothing in flight: the bad side has acknowledged all it was sent (its delayed
    # ACK of the join's lines included), or the user timeout, not keepalive, would reap it.
    check(wait_until(lambda: send_queue(a.srv_ns) == 0, 3, 0.02),
          "the server's data to the bad side stayed unacknowledged on a working link")
    start = cut(a)
    took = reaped(a, before, start, bound, sender)
    # Probing starts after IDLE seconds of silence, so not sooner than that after the cut less
    # the little time between the join's last packet and the cut.
    check(took >= 3 - 1, f"reaped after {took:.1f} s: sooner than keepalive could have")
    return (f"idle dead peer reaped by keepalive {took:.1f} s after the cut (bound {bound} s); "
            "nick free again")


def case_reload(a):
    # SIGHUP applies a new --keepalive to connections made from then on: the server starts with
    # 60,10,3 in its config file; "old" connects; the file says 2,1,2 and the server is sent
    # SIGHUP; "new" connects. Both are cut while idle: "new" is reaped within 4 s (+ margin),
    # "old" is still held then (it would be at 90 s).
    sender, _ = good_side(a.srv_ns)
    old = Client("old", a.cli_ns, SRV_ADDR)
    old.join("#quiet1")
    with open(a.config, "w") as f:
        f.write('keepalive = "2,1,2"\n')
    os.kill(a.server_pid, signal.SIGHUP)

    def reloaded():
        with open(a.server_log) as f:
            return "changed keepalive" in f.read()
    check(wait_until(reloaded, 5), "the server did not log the reload of keepalive within 5 s")
    new = Client("new", a.cli_ns, SRV_ADDR)
    new.join("#quiet2")
    before = connections(a.srv_ns)
    check(wait_until(lambda: send_queue(a.srv_ns) == 0, 3, 0.02),
          "the server's data to the bad side stayed unacknowledged on a working link")
    start = cut(a)
    bound, margin = 2 + 1 * 2, 3.0
    gone = wait_until(lambda: connections(a.srv_ns) == before - 1, bound + margin, 0.05)
    took = time.monotonic() - start
    check(gone, f"the connection made after the reload is still held {took:.1f} s after the cut")
    sender.send("/nick new")
    sender.wait_line(r"^-!- sender is now known as new$")
    # The one from before the reload kept 60,10,3: it is still there.
    check(connections(a.srv_ns) == before - 1, "the connection made before the reload went too")
    sender.send("/nick old")
    sender.wait_line(r"^!!! ")
    return (f"after SIGHUP (keepalive 60,10,3 -> 2,1,2) the new connection was reaped {took:.1f} s "
            "after the cut; the older one was still held (its nick still taken)")


def case_evict(a):
    # 32 kbit/s to the bad side and a 16 KiB outbox: 400 messages of ~530 bytes in 2 s cannot
    # fit; the server evicts the bad side rather than let it hold anybody back.
    sender, good = good_side(a.srv_ns)
    bad = Client("bad", a.cli_ns, SRV_ADDR)
    bad.join()
    before = connections(a.srv_ns)
    evicted_before = counter(a.srv_ns, "parley_disconnects_total", reason="evicted")
    run("ip", "netns", "exec", a.srv_ns, "tc", "qdisc", "add", "dev", a.srv_veth, "root",
        "tbf", "rate", "32kbit", "burst", "4kb", "latency", "5s")
    traffic = Traffic(sender, 400, 0.005, 500)
    traffic.send_all()
    worst_good = traffic.check_good(good)
    gone = wait_until(lambda: connections(a.srv_ns) == before - 1, 5, 0.05)
    check(gone, "the server still holds the slow bad side 5 s after the burst")
    evicted = counter(a.srv_ns, "parley_disconnects_total", reason="evicted") - evicted_before
    check(evicted == 1, f"parley_disconnects_total{{reason=evicted}} rose by {evicted}, not 1")
    # What reached the bad side before the end is in order, and then its connection ends
    # (what the slow link still carries arrives first).
    ended = bad.wait_end(30)
    check(ended is not None, "the bad side's connection did not end within 30 s")
    n = traffic.in_order_prefix(bad)
    check(n < traffic.count, "the bad side got everything: nothing was evicted")
    return (f"good {traffic.count}/{traffic.count} in order, max {fmt_ms(worst_good)}; bad evicted "
            f"(outbox full) with {n} messages in order, connection ended ({ended[1]})")


def case_ipv6(a):
    # --max-per-address 2 --ipv6-prefix 64: three addresses of 2001:db8:1::/64 are one client
    # to the limit, a fourth of 2001:db8:2::/64 another.
    srv6 = "2001:db8:1::1"
    refused_before = counter(a.srv_ns, "parley_connections_refused_total", reason="address-limit")
    one = Client("one", a.cli_ns, srv6, socket.AF_INET6, "2001:db8:1::a")
    one.join()
    two = Client("two", a.cli_ns, srv6, socket.AF_INET6, "2001:db8:1::b")
    two.join()
    third = Client("third", a.cli_ns, srv6, socket.AF_INET6, "2001:db8:1::c")
    third.wait_line(r"^!!! address-limit")
    check(third.wait_end(5) is not None, "a refused connection was left open")
    other = Client("other", a.cli_ns, "2001:db8:2::1", socket.AF_INET6, "2001:db8:2::a")
    other.join()
    # And IPv4 is counted by address, as before.
    v4 = Client("vfour", a.cli_ns, SRV_ADDR)
    v4.join()
    check(connections(a.srv_ns) == 4, "the server does not hold the 4 admitted connections")
    refused = counter(a.srv_ns, "parley_connections_refused_total",
                      reason="address-limit") - refused_before
    check(refused == 1, f"address-limit refusals rose by {refused}, not 1")
    return ("2 addresses of 2001:db8:1::/64 admitted, a 3rd refused (address-limit); "
            "another /64 and IPv4 admitted")


CASES = {"reorder": case_reorder, "loss": case_loss, "slow": case_slow, "down": case_down,
         "delay": case_delay, "reload": case_reload,
         "evict": case_evict, "cut": case_cut, "idle": case_idle, "ipv6": case_ipv6}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("case", choices=sorted(CASES))
    p.add_argument("--srv-ns", required=True)
    p.add_argument("--cli-ns", required=True)
    p.add_argument("--srv-veth", required=True)
    p.add_argument("--cli-veth", required=True)
    p.add_argument("--tag", required=True, help="names this run's nftables tables")
    p.add_argument("--server-pid", type=int, help="for reload: whom to send SIGHUP")
    p.add_argument("--server-log", help="for reload: where the server logs")
    p.add_argument("--config", help="for reload: the server's config file, rewritten")
    a = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        wait_server(a.srv_ns)
        print(CASES[a.case](a), flush=True)
        return 0
    except (Failed, OSError, subprocess.SubprocessError) as e:
        print(f"FAILED: {e}", flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
