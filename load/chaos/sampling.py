"""The soak's samples: every few seconds, the server's resident memory (/proc/PID/status) and
the kernel's TCP figures (/proc/net/sockstat: sockets in use, orphans, TIME_WAIT, and TCP's
memory in pages), with the server's connection count from /metrics, one CSV row each.
"""

import asyncio
import csv
import re
import time

from . import observer

FIELDS = ["seconds", "rss_kib", "tcp_mem_pages", "tcp_inuse", "tcp_orphan", "tcp_tw",
          "connections"]


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
                          tcp["inuse"], tcp["orphan"], tcp["tw"], conns])
            f.flush()
            try:
                await asyncio.wait_for(stop.wait(), every)
            except asyncio.TimeoutError:
                pass
