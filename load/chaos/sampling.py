"""The soak's samples: every few seconds, the server's resident memory (/proc/PID/status) and
the kernel's TCP figures (/proc/net/sockstat: sockets in use, orphans, TIME_WAIT, and TCP's
memory in pages), the part of that memory held by the server's own sockets (from `ss`), and
the server's connection count from /metrics, one CSV row each.

/proc/net/sockstat counts the whole machine, whatever else runs on it; the server's sockets'
share (each socket's skmem r + w + f: bytes received and not yet read, bytes queued to send,
and memory reserved ahead, the three parts TCP charges to its memory) is what Parley's
clients hold in the kernel, and is what the soak's second curve shows beside it.
"""

import asyncio
import csv
import re
import subprocess
import time

from . import observer

FIELDS = ["seconds", "rss_kib", "tcp_mem_pages", "tcp_inuse", "tcp_orphan", "tcp_tw",
          "connections", "server_sock_kib"]

SKMEM = re.compile(r"skmem:\(r(\d+),rb\d+,t\d+,tb\d+,f(\d+),w(\d+),")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def sockstat(text=None):
    """{inuse, orphan, tw, alloc, mem} of the TCP line of /proc/net/sockstat."""
    if text is None:
        with open("/proc/net/sockstat") as f:
            text = f.read()
    line = next(l for l in text.splitlines() if l.startswith("TCP:"))
    words = line.split()[1:]
    return {k: int(v) for k, v in zip(words[::2], words[1::2])}


def server_socket_bytes(pid, text=None):
    """What the TCP sockets of process `pid` hold in the kernel: the sum of r + w + f of their
    skmem in `ss -tmnpHO` (one socket a line), or of `text` when given."""
    if text is None:
        text = subprocess.run(["ss", "-tmnpHO"], capture_output=True, text=True,
                              check=False).stdout
    total = 0
    mark = f",pid={pid},"
    for line in text.splitlines():
        if mark in line:
            m = SKMEM.search(line)
            if m:
                total += int(m.group(1)) + int(m.group(2)) + int(m.group(3))
    return total


async def sample_into(path, pid, metrics_port, every, stop):
    started = time.monotonic()
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(FIELDS)
        while not stop.is_set():
            tcp = sockstat()
            try:
                conns = int((await observer.scrape(metrics_port, 2.0)).get("parley_connections",
                                                                           -1))
            except (asyncio.TimeoutError, ConnectionError, OSError):
                conns = -1
            out.writerow([round(time.monotonic() - started, 1), rss_kib(pid), tcp["mem"],
                          tcp["inuse"], tcp["orphan"], tcp["tw"], conns,
                          server_socket_bytes(pid) // 1024])
            f.flush()
            try:
                await asyncio.wait_for(stop.wait(), every)
            except asyncio.TimeoutError:
                pass
