"""What the chaos workers do: one episode after another, each chosen at random (seeded) from
what users and attackers do to a chat server, over every protocol and transport Parley speaks.
An episode opens its own connections and closes them all when it ends, however it ends (an
orderly close, a half-close, or a reset), so that stopping the workers leaves nothing open.

The server may refuse, drop or disconnect anything here; that is its right, and not checked.
What is checked (by the observer and the healthy clients, elsewhere) is that none of it reaches
anyone else.
"""

import asyncio
import collections
import json
import ssl

from . import wire

KINDS = ["plain", "plain-tls", "irc", "irc-tls", "ws", "wss"]
CHAOS_ROOMS = [f"#c{i}" for i in range(8)] + ["#flood", "#lobby", "#Café", "#c++"]
NICKS = [f"r{i}" for i in range(12)]
EPISODE_LIMIT = 30.0  # seconds an episode may take, whatever the server does

TELNET = [b"\xff\xfb\x01", b"\xff\xfd\x03", b"\xff\xfa\x18\x00xterm\xff\xf0", b"\xff\xf4",
          b"\xff\xff", b"\xff\xfa\x1f\x00\x50\x00\x18", b"\xff\xf0", b"\xff", b"\xff\xfe\x22",
          b"\xff\xfa\x18"]
ESCAPES = [b"\x1b[31m", b"\x1b]0;title\x07", b"\x1b[2J\x1b[H", b"\x1bc", b"\x9b31m", b"\x07",
           b"\x08\x08", b"\x00", b"\x7f", b"\x03" + b"4,5", b"\x02bold\x0f", b"\r"]


def client_hello():
    """The first bytes a TLS client sends (a ClientHello), for handshakes abandoned halfway."""
    ctx = wire.tls_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


HELLO = client_hello()


class Stats:
    def __init__(self):
        self.connections = 0
        self.connect_failures = 0
        self.episodes = collections.Counter()
        self.dropped = 0          # episodes the server ended early (a reset, a close)
        self.bytes_sent = 0
        self.client_errors = []   # exceptions of the chaos client itself (its bugs)


class Worker:
    """One chaos worker: seeded, from one loopback address, one episode at a time."""

    def __init__(self, number, rng, ports, stats, healthy_nicks, healthy_rooms, source):
        self.n = number
        self.rng = rng
        self.ports = ports
        self.stats = stats
        self.healthy_nicks = healthy_nicks
        self.healthy_rooms = healthy_rooms
        self.source = source
        self.writers = []
        self.readers = []
        self.stopped = False
        self.episodes = [
            (self.valid_session, 30), (self.garbage, 8), (self.telnet, 5), (self.overlong, 5),
            (self.flood, 5), (self.never_read, 3), (self.half_close, 5), (self.reset_mid_line, 5),
            (self.reset_mid_write, 5), (self.reconnect_storm, 3), (self.tls_abandon, 5),
            (self.ws_broken, 8), (self.nick_race, 4), (self.join_storm, 5),
            (self.http_garbage, 3), (self.impersonate, 3),
        ]

    # --- running ---

    async def run(self):
        fns, weights = zip(*self.episodes)
        # Checked as well as cancelled: Python 3.11's wait_for can swallow a cancellation that
        # arrives as the episode ends (bpo-42130), and the worker would go on.
        while not self.stopped:
            episode = self.rng.choices(fns, weights)[0]
            self.stats.episodes[episode.__name__] += 1
            try:
                await asyncio.wait_for(episode(), EPISODE_LIMIT)
            except (ConnectionError, OSError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError, ssl.SSLError):
                self.stats.dropped += 1
            except asyncio.CancelledError:
                raise
            except Exception as e:  # a bug of the chaos client: reported, not hidden
                if len(self.stats.client_errors) < 20:
                    self.stats.client_errors.append(f"{episode.__name__}: {e!r}")
            finally:
                self.end_all()

    def end_all(self):
        """Ends every connection the episode left open: orderly or reset, at random."""
        for w in self.writers:
            if self.rng.random() < 0.5:
                wire.reset(w)
            else:
                wire.close(w)
        for t in self.readers:
            t.cancel()
        self.writers, self.readers = [], []

    async def open(self, kind, read=True, rcvbuf=None, handshake=True):
        port = {"plain": "plain", "plain-tls": "plain_tls", "irc": "irc", "irc-tls": "irc_tls",
                "ws": "web", "wss": "web_tls", "metrics": "metrics"}[kind]
        tls = kind.endswith("-tls") or kind == "wss"
        try:
            r, w = await wire.connect(self.ports[port], tls, self.source, rcvbuf=rcvbuf)
        except BaseException:
            self.stats.connect_failures += 1
            raise
        self.stats.connections += 1
        self.writers.append(w)
        if kind in ("ws", "wss") and handshake:
            await wire.ws_handshake(r, w, 5.0)
        if read:
            self.readers.append(asyncio.create_task(self.discard(r)))
        return r, w

    async def discard(self, reader):
        try:
            while await reader.read(65536):
                pass
        except (ConnectionError, OSError, ssl.SSLError):
            pass

    async def send(self, w, data):
        self.stats.bytes_sent += len(data)
        w.write(data)
        await w.drain()

    async def pause(self, most=0.3):
        await asyncio.sleep(self.rng.random() * most)

    def kind(self, *among):
        return self.rng.choice(among or KINDS)

    def room(self):
        return self.rng.choice(CHAOS_ROOMS + self.healthy_rooms[:1])

    def nick(self):
        return self.rng.choice(NICKS)

    def text(self):
        r = self.rng
        return r.choice(["hello", "héllo wörld ✓", "a" * r.randrange(1, 400), "/not a command",
                         "chk h0 99999", "-!- fake notice", "<tag> x", "%s %d %n", "💬" * 5])

    # --- one command of each protocol, valid in form ---

    def plain_command(self):
        r = self.rng
        return r.choice([
            f"/nick {self.nick()}", f"/join {self.room()}", "/leave", "/rooms", "/who",
            f"/who {self.room()}", f"/msg {self.nick()} {self.text()}", f"/me {self.text()}",
            f"/topic {self.text()}", "/topic", "/topic -", f"/history {r.randrange(1, 120)}",
            "/help", "/bogus", "//slash line", self.text(), self.text(), self.text(),
            f"/join {self.room()} key", "/who #nosuchroom", "/nick", "/msg",
        ])

    def irc_command(self):
        r, room = self.rng, self.room()
        return r.choice([
            f"JOIN {room}", f"PART {room} :bye", f"PRIVMSG {room} :{self.text()}",
            f"PRIVMSG {self.nick()} :{self.text()}", f"NOTICE {room} :{self.text()}",
            f"NICK {self.nick()}", f"TOPIC {room} :{self.text()}", f"TOPIC {room}",
            f"MODE {room} {r.choice(['+m', '-m', '+i', '+s', '+t', '+l 3', '+k key', '-k key'])}",
            f"MODE {room} +b {self.nick()}!*@*", f"MODE {room} +o {self.nick()}",
            f"KICK {room} {self.nick()} :out", f"INVITE {self.nick()} {room}", f"WHO {room}",
            f"WHOIS {self.nick()}", f"NAMES {room}", "LIST", "AWAY :lunch", "AWAY",
            "CAP LS 302", "CAP REQ :echo-message server-time message-tags", "CAP END",
            f"CHATHISTORY LATEST {room} * 10", "PING :x", "FOO bar", "OPER root wrong",
            f"JOIN {room},#c1,#c2", "PART #c1,#c2", "USERHOST r1", "ISON r1 r2", "MOTD",
            f"@label=x;+draft/reply=1 PRIVMSG {room} :{self.text()}",
        ])

    def ws_command(self):
        r, room = self.rng, self.room()
        return r.choice([
            {"type": "say", "room": room, "text": self.text()},
            {"type": "me", "room": room, "text": self.text()},
            {"type": "msg", "to": self.nick(), "text": self.text()},
            {"type": "nick", "nick": self.nick()}, {"type": "join", "room": room},
            {"type": "part", "room": room}, {"type": "topic", "room": room, "text": self.text()},
            {"type": "who", "room": room}, {"type": "rooms", "ref": r.randrange(1000)},
            {"type": "history", "room": room, "limit": r.randrange(0, 150)},
            {"type": "quit-not"}, {"type": "say"}, {"type": "join", "room": 5},
            {"type": "history", "room": room, "before": -1},
        ])

    async def register(self, kind, w):
        if kind.startswith("irc"):
            await self.send(w, f"NICK {self.nick()}\r\nUSER u 0 * :chaos\r\n".encode())

    async def command(self, kind, w):
        if kind.startswith("plain"):
            await self.send(w, (self.plain_command() + "\r\n").encode())
        elif kind.startswith("irc"):
            await self.send(w, (self.irc_command() + "\r\n").encode())
        else:
            await self.send(w, wire.ws_json(self.ws_command()))

    async def finish(self, kind, w):
        """Ends a session the way users do: quit, close, half-close or reset."""
        how = self.rng.randrange(4)
        if how == 0:
            quit_ = {"plain": b"/quit bye\r\n", "irc": b"QUIT :bye\r\n"}.get(
                kind.split("-")[0], wire.ws_json({"type": "quit"}))
            await self.send(w, quit_)
            await self.pause(0.5)
        elif how == 1:
            wire.half_close(w)
            await self.pause(0.5)
        elif how == 2:
            wire.reset(w)
        # how == 3: end_all closes it

    # --- the episodes ---

    async def valid_session(self):
        kind = self.kind()
        _, w = await self.open(kind)
        await self.register(kind, w)
        for _ in range(self.rng.randrange(3, 30)):
            await self.command(kind, w)
            await self.pause(0.4)
        await self.finish(kind, w)

    def garbage_bytes(self):
        r = self.rng
        parts = []
        for _ in range(r.randrange(1, 12)):
            parts.append(r.choice([
                r.randbytes(r.randrange(1, 200)),
                b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf", b"\xff\xfe",
                r.choice(ESCAPES), r.choice(TELNET), b"\r\n", b"\n", b"\r", b"\x00" * 10,
                self.text().encode(),
            ]))
        return b"".join(parts)

    async def garbage(self):
        kind = self.kind()
        _, w = await self.open(kind)
        for _ in range(self.rng.randrange(1, 10)):
            if kind in ("ws", "wss"):
                await self.send(w, wire.ws_frame(wire.TEXT, self.garbage_bytes()))
            else:
                await self.send(w, self.garbage_bytes())
            await self.pause(0.2)
        await self.finish(kind, w)

    async def telnet(self):
        kind = self.kind("plain", "plain-tls")
        _, w = await self.open(kind)
        for _ in range(self.rng.randrange(2, 12)):
            data = self.rng.choice(TELNET) + self.plain_command().encode()
            if self.rng.random() < 0.3:
                data += self.rng.choice(ESCAPES)
            await self.send(w, data + self.rng.choice([b"\r\n", b"\r\x00", b"\n", b""]))
            await self.pause(0.2)
        await self.finish(kind, w)

    async def overlong(self):
        kind = self.kind()
        _, w = await self.open(kind)
        await self.register(kind, w)
        size = self.rng.choice([4097, 5000, 16385, 70000, 300000])
        if kind in ("ws", "wss"):
            frame = wire.ws_json({"type": "say", "room": "#lobby", "text": "y" * size})
            await self.send(w, frame)
        else:
            prefix = b"PRIVMSG #lobby :" if kind.startswith("irc") else b""
            end = b"\r\n" if self.rng.random() < 0.7 else b""
            await self.send(w, prefix + b"z" * size + end)
        await self.command(kind, w)
        await self.pause(0.5)
        await self.finish(kind, w)

    async def flood(self):
        kind = self.kind()
        _, w = await self.open(kind)
        await self.register(kind, w)
        room = "#flood"
        join = {"plain": f"/join {room}\r\n", "irc": f"JOIN {room}\r\n"}
        if kind in ("ws", "wss"):
            await self.send(w, wire.ws_json({"type": "join", "room": room}))
        else:
            await self.send(w, join[kind.split("-")[0]].encode())
        line = "F" * self.rng.choice([10, 400, 3000])
        batch = []
        for i in range(self.rng.randrange(50, 300)):
            if kind in ("ws", "wss"):
                batch.append(wire.ws_json({"type": "say", "room": room, "text": f"{i} {line}"}))
            elif kind.startswith("irc"):
                batch.append(f"PRIVMSG {room} :{i} {line}\r\n".encode())
            else:
                batch.append(f"{i} {line}\r\n".encode())
        await self.send(w, b"".join(batch))
        await self.pause(1.0)
        await self.finish(kind, w)

    async def never_read(self):
        """Joins the flood room and asks for long answers, never reading: the server must let
        its outbox grow to --outbox-bytes and evict it, and nobody else may wait for it."""
        kind = self.kind()
        _, w = await self.open(kind, read=False, rcvbuf=4096, handshake=True)
        await self.register(kind, w)
        for _ in range(self.rng.randrange(5, 20)):
            if kind in ("ws", "wss"):
                await self.send(w, wire.ws_json(self.rng.choice([
                    {"type": "join", "room": "#flood"}, {"type": "rooms"},
                    {"type": "history", "room": "#flood", "limit": 100}])))
            elif kind.startswith("irc"):
                await self.send(w, self.rng.choice([b"JOIN #flood\r\n", b"LIST\r\n",
                                                    b"CHATHISTORY LATEST #flood * 100\r\n"]))
            else:
                await self.send(w, self.rng.choice([b"/join #flood\r\n", b"/help\r\n",
                                                    b"/history 100\r\n", b"/rooms\r\n"]))
        await asyncio.sleep(self.rng.uniform(3, 15))

    async def half_close(self):
        kind = self.kind()
        r, w = await self.open(kind, read=False)
        await self.register(kind, w)
        for _ in range(self.rng.randrange(1, 5)):
            await self.command(kind, w)
        if kind.startswith("plain") and self.rng.random() < 0.5:
            await self.send(w, b"a partial line")
        wire.half_close(w)
        # The server answers what it has and closes; read until it does (or the episode ends).
        while await asyncio.wait_for(r.read(65536), 10):
            pass

    async def reset_mid_line(self):
        kind = self.kind()
        _, w = await self.open(kind)
        await self.register(kind, w)
        if kind in ("ws", "wss"):
            frame = wire.ws_json({"type": "say", "room": "#lobby", "text": "cut" * 50})
            await self.send(w, frame[:self.rng.randrange(1, len(frame))])
        else:
            await self.send(w, b"this line never ends " * self.rng.randrange(1, 50))
        await self.pause(0.2)
        wire.reset(w)

    async def reset_mid_write(self):
        kind = self.kind()
        _, w = await self.open(kind, read=False, rcvbuf=2048)
        await self.register(kind, w)
        for _ in range(3):
            if kind in ("ws", "wss"):
                await self.send(w, wire.ws_json({"type": "history", "room": "#flood",
                                                 "limit": 100}))
            elif kind.startswith("irc"):
                await self.send(w, b"LIST\r\nCHATHISTORY LATEST #flood * 100\r\n")
            else:
                await self.send(w, b"/help\r\n/join #flood\r\n/history 100\r\n")
        await self.pause(0.3)
        wire.reset(w)

    async def reconnect_storm(self):
        kind = self.kind()
        for _ in range(self.rng.randrange(10, 40)):
            _, w = await self.open(kind, read=False, handshake=self.rng.random() < 0.5)
            if self.rng.random() < 0.5:
                await self.register(kind, w)
            self.end_all()

    async def tls_abandon(self):
        port = self.rng.choice(["plain_tls", "irc_tls", "web_tls"])
        r, w = await wire.connect(self.ports[port], source=self.source)
        self.stats.connections += 1
        self.writers.append(w)
        cut = self.rng.choice([0, 1, 5, len(HELLO) // 2, len(HELLO) - 1, len(HELLO)])
        await self.send(w, HELLO[:cut])
        if self.rng.random() < 0.2:
            await self.send(w, self.garbage_bytes())
        await self.pause(2.0)

    async def ws_broken(self):
        kind = self.kind("ws", "wss")
        r = self.rng
        how = r.randrange(10)
        if how == 0:  # the upgrade request itself cut short
            _, w = await self.open(kind, handshake=False)
            req = wire.ws_request()
            await self.send(w, req[:r.randrange(1, len(req))])
            await self.pause(1.0)
            return
        _, w = await self.open(kind)
        payload = json.dumps({"type": "say", "room": "#lobby", "text": "z" * 300}).encode()
        frames = {
            1: wire.ws_frame(wire.TEXT, payload, length=len(payload) + 100),  # cut short
            2: wire.ws_frame(wire.TEXT, payload)[:r.randrange(1, 20)],
            3: wire.ws_frame(wire.TEXT, payload, mask=False),
            4: wire.ws_frame(wire.TEXT, payload, rsv=r.randrange(1, 8)),
            5: wire.ws_frame(wire.BINARY, payload),
            6: wire.ws_frame(wire.TEXT, b"\xff\xfe bad utf8"),
            7: wire.ws_frame(wire.PING, b"p" * 200),
            8: wire.ws_frame(wire.CONTINUATION, payload),
            9: wire.ws_frame(wire.TEXT, payload[:10], fin=False)
            + wire.ws_frame(wire.PING, b"x") + wire.ws_frame(0x3, b"??"),
        }
        await self.send(w, frames[how])
        await self.pause(1.0)

    async def nick_race(self):
        """Several connections, all protocols, ask for one nickname at the same moment."""
        nick = self.nick()
        conns = []
        for _ in range(self.rng.randrange(2, 6)):
            kind = self.kind()
            conns.append((kind, (await self.open(kind))[1]))
        msgs = []
        for kind, w in conns:
            if kind.startswith("plain"):
                msgs.append(self.send(w, f"/nick {nick}\r\n".encode()))
            elif kind.startswith("irc"):
                msgs.append(self.send(w, f"NICK {nick}\r\nUSER u 0 * :r\r\n".encode()))
            else:
                msgs.append(self.send(w, wire.ws_json({"type": "nick", "nick": nick})))
        await asyncio.gather(*msgs)
        await self.pause(0.5)
        for kind, w in conns:
            await self.command(kind, w)
            await self.finish(kind, w)

    async def join_storm(self):
        kind = self.kind()
        _, w = await self.open(kind)
        await self.register(kind, w)
        for _ in range(self.rng.randrange(10, 60)):
            room = self.room()
            if kind.startswith("plain"):
                data = self.rng.choice([f"/join {room}\r\n", "/leave\r\n"]).encode()
            elif kind.startswith("irc"):
                data = self.rng.choice([f"JOIN {room}\r\n", f"PART {room}\r\n",
                                        "JOIN 0\r\n"]).encode()
            else:
                data = wire.ws_json(self.rng.choice([{"type": "join", "room": room},
                                                     {"type": "part", "room": room}]))
            await self.send(w, data)
            await self.pause(0.05)
        await self.finish(kind, w)

    async def http_garbage(self):
        kind = self.rng.choice(["ws", "wss", "metrics"])
        _, w = await self.open(kind, handshake=False)
        await self.send(w, self.rng.choice([
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /ws HTTP/1.0\r\n\r\n",
            b"POST /ws HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
            b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n", b"\x16\x03\x01\x00",
            b"GET /metrics HTTP/1.1\r\n" + b"X: y\r\n" * 500 + b"\r\n",
            self.garbage_bytes(), b"GET /metrics HTTP/1.1\r\nHost: x\r\n",
        ]))
        await self.pause(1.0)

    async def impersonate(self):
        """Tries to take a healthy client's nickname and to forge its tagged messages."""
        kind = self.kind()
        _, w = await self.open(kind)
        await self.register(kind, w)
        victim = self.rng.choice(self.healthy_nicks) if self.healthy_nicks else "h0"
        room = self.rng.choice(self.healthy_rooms) if self.healthy_rooms else "#lobby"
        forged = f"chk {victim} {self.rng.randrange(5)}"
        if kind.startswith("plain"):
            data = f"/nick {victim.upper()}\r\n/join {room}\r\n{forged}\r\n/leave\r\n"
        elif kind.startswith("irc"):
            data = (f"NICK {victim}\r\nJOIN {room}\r\nPRIVMSG {room} :{forged}\r\n"
                    f"PART {room}\r\n")
        else:
            for obj in ({"type": "nick", "nick": victim}, {"type": "join", "room": room},
                        {"type": "say", "room": room, "text": forged},
                        {"type": "part", "room": room}):
                await self.send(w, wire.ws_json(obj))
            data = ""
        if data:
            await self.send(w, data.encode())
        await self.pause(1.0)
        await self.finish(kind, w)
