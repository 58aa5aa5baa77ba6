"""The observer: connections that ask the server something every half second during the chaos
and time the answer (a plain `/who` or `/rooms`, an IRC PING, a /metrics scrape). An answer
later than the deadline, or none, is an invariant violation: whatever the attackers do, the
server keeps answering. Also the /metrics reader the end-state checks use.
"""

import asyncio
import re
import time

from . import wire

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


async def scrape(port, timeout=2.0, labelled=False):
    """/metrics as {name: summed value} (a family's samples summed over their labels), or
    with `labelled` as {name{labels}: value}."""
    reader, writer = await wire.connect(port, timeout=timeout)
    try:
        writer.write(b"GET /metrics HTTP/1.1\r\nHost: chaos\r\nConnection: close\r\n\r\n")
        body = await asyncio.wait_for(reader.read(), timeout)
    finally:
        wire.close(writer)
    head, _, text = body.decode("utf-8", "replace").partition("\r\n\r\n")
    if not head.startswith("HTTP/1.1 200"):
        # The raw bytes, not their decoding: an answer that is not HTTP at all says more by
        # what it is (another connection's bytes, a TLS record) than by its first line.
        raise ConnectionError(f"/metrics answered {len(body)} bytes: {body[:64]!r}")
    out = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            key = m.group(1) + (m.group(2) or "") if labelled else m.group(1)
            out[key] = out.get(key, 0.0) + float(m.group(3))
    return out


class Observer:
    def __init__(self, ports, violations, deadline, probe_room):
        self.ports = ports
        self.violations = violations
        self.deadline = deadline
        self.probe_room = probe_room
        self.probes = 0
        self.slowest = 0.0
        self.plain = self.irc = None
        self.lines = asyncio.Queue()
        self.irc_lines = asyncio.Queue()
        self.tasks = []

    async def start(self, source):
        self.plain = await wire.connect(self.ports["plain"], source=source)
        self.plain[1].write(b"/nick observer\r\n")
        self.irc = await wire.connect(self.ports["irc"], source=source)
        self.irc[1].write(b"NICK ircobserver\r\nUSER o 0 * :observer\r\n")
        self.tasks = [asyncio.create_task(self.pump(self.plain[0], self.lines)),
                      asyncio.create_task(self.pump(self.irc[0], self.irc_lines))]
        await self.expect_plain(lambda l: "now known as observer" in l, 5.0)
        await self.expect_irc(lambda l: wire.irc_parse(l)[1] == "001", 5.0)

    async def pump(self, reader, queue):
        while True:
            raw = await reader.readline()
            if not raw:
                await queue.put(None)
                return
            line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
            if queue is self.irc_lines and line.startswith("PING"):
                self.irc[1].write(f"PONG {line[5:]}\r\n".encode())
                continue
            await queue.put(line)

    async def expect(self, queue, pred, timeout):
        """The first line that satisfies `pred` (the others are skipped), within `timeout`."""
        end = time.monotonic() + timeout
        while True:
            line = await asyncio.wait_for(queue.get(), max(0.0, end - time.monotonic()))
            if line is None:
                raise ConnectionError("the server closed the observer's connection")
            if pred(line):
                return line

    async def expect_plain(self, pred, timeout):
        return await self.expect(self.lines, pred, timeout)

    async def expect_irc(self, pred, timeout):
        return await self.expect(self.irc_lines, pred, timeout)

    async def timed(self, what, coro):
        started = time.monotonic()
        try:
            result = await coro
        except (asyncio.TimeoutError, ConnectionError, OSError) as e:
            self.violations.append(f"observer: {what} not answered within "
                                   f"{self.deadline:.0f} s ({e!r})")
            return None
        took = time.monotonic() - started
        self.probes += 1
        self.slowest = max(self.slowest, took)
        return result

    async def probe_once(self, n):
        d = self.deadline
        if n % 3 == 0:
            self.plain[1].write(f"/who {self.probe_room}\r\n".encode())
            await self.timed("/who", self.expect_plain(
                lambda l: l.startswith(f"--- Members of {self.probe_room}"), d))
        elif n % 3 == 1:
            self.irc[1].write(f"PING :probe{n}\r\n".encode())
            await self.timed("IRC PING", self.expect_irc(
                lambda l: wire.irc_parse(l)[1] == "PONG" and f"probe{n}" in l, d))
        else:
            await self.timed("/metrics", scrape(self.ports["metrics"], d))

    async def run(self, stop):
        n = 0
        while not stop.is_set():
            await self.probe_once(n)
            n += 1
            try:
                await asyncio.wait_for(stop.wait(), 0.5)
            except asyncio.TimeoutError:
                pass

    async def who(self, room):
        """The members of `room`, as /who lists them."""
        self.plain[1].write(f"/who {room}\r\n".encode())
        line = await self.expect_plain(lambda l: l.startswith(f"--- Members of {room} ")
                                       or l.startswith("!!! no-such-room"), 5.0)
        if line.startswith("!!!"):
            return None
        return set(line.partition(": ")[2].split())

    async def rooms(self):
        """{room: members} as /rooms lists them."""
        self.plain[1].write(b"/rooms\r\n")
        head = await self.expect_plain(lambda l: l.startswith("--- Rooms ("), 5.0)
        count = int(head[len("--- Rooms ("):].partition(")")[0])
        out = {}
        for _ in range(count):
            line = await self.expect_plain(lambda l: l.startswith("--- #"), 5.0)
            m = re.match(r"^--- (\S+) (\d+) member", line)
            if m:
                out[m.group(1)] = int(m.group(2))
        return out

    async def quit(self):
        for conn, text in ((self.plain, b"/quit\r\n"), (self.irc, b"QUIT :done\r\n")):
            try:
                conn[1].write(text)
                await conn[1].drain()
            except (ConnectionError, OSError):
                pass
        await asyncio.sleep(0)
        for t in self.tasks:
            t.cancel()
        for conn in (self.plain, self.irc):
            wire.close(conn[1])
