"""The well-behaved clients whose experience the chaos run checks: each reads everything, keeps
well under --rate, stays in one room (#hcN) for the whole run and says tagged messages there
(checker.tag). Every protocol and transport Parley speaks has its share: plain, IRC and
WebSocket, each over TCP and TLS.

Anything a healthy client is refused (`!!!`, an IRC error numeric, a WebSocket error) or losing
its connection before it quits is an invariant violation: nothing an attacker does may reach it.
"""

import asyncio
import json

from . import wire
from .checker import DeliveryChecker, parse_tag, tag

KINDS = ["plain", "plain-tls", "irc", "irc-tls", "ws", "wss"]
PATIENCE = 5.0  # an answer during setup


class Healthy:
    def __init__(self, index, kind, room, ports, violations, source):
        self.index = index
        self.id = f"h{index}"
        self.nick = f"h{index}"
        self.kind = kind
        self.room = room
        self.ports = ports
        self.violations = violations
        self.source = source
        self.checker = DeliveryChecker()
        self.sent = 0
        self.reader = self.writer = None
        self.quitting = False
        self.task = None
        self.joined = asyncio.Event()

    @property
    def proto(self):
        return self.kind.split("-")[0].replace("wss", "ws")

    @property
    def tls(self):
        return self.kind.endswith("-tls") or self.kind == "wss"

    def violation(self, what):
        self.violations.append(f"healthy {self.nick} ({self.kind}): {what}")

    async def start(self):
        port = {"plain": self.ports["plain_tls" if self.tls else "plain"],
                "irc": self.ports["irc_tls" if self.tls else "irc"],
                "ws": self.ports["web_tls" if self.tls else "web"]}[self.proto]
        self.reader, self.writer = await wire.connect(port, self.tls, self.source)
        if self.proto == "plain":
            self.send_raw(f"/nick {self.nick}\r\n/join {self.room}\r\n")
        elif self.proto == "irc":
            self.send_raw(f"NICK {self.nick}\r\nUSER {self.nick} 0 * :healthy\r\n"
                          f"JOIN {self.room}\r\n")
        else:
            await wire.ws_handshake(self.reader, self.writer, PATIENCE)
            self.send_ws({"type": "nick", "nick": self.nick})
            self.send_ws({"type": "join", "room": self.room})
            self.send_ws({"type": "part", "room": "#lobby"})
        self.task = asyncio.create_task(self.read_loop())
        try:
            await asyncio.wait_for(self.joined.wait(), PATIENCE * 2)
        except asyncio.TimeoutError:
            raise ConnectionError(f"healthy {self.nick} ({self.kind}) was not in {self.room} "
                                  f"within {PATIENCE * 2:.0f} s") from None

    def send_raw(self, text):
        self.writer.write(text.encode())

    def send_ws(self, obj):
        self.writer.write(wire.ws_json(obj))

    def say_next(self):
        """Says the next tagged message; returns False when the connection is gone."""
        if self.writer.is_closing():
            return False
        text = tag(self.id, self.sent, "x" * (self.sent % 7))
        if self.proto == "plain":
            self.send_raw(text + "\r\n")
        elif self.proto == "irc":
            self.send_raw(f"PRIVMSG {self.room} :{text}\r\n")
        else:
            self.send_ws({"type": "say", "room": self.room, "text": text})
        self.sent += 1
        return True

    def got(self, room, nick, text):
        if room is None or room.lower() != self.room.lower():
            return
        t = parse_tag(text)
        # Only from the healthy client whose name the tag bears: anyone can type a tag.
        if t and t[0] == nick:
            self.checker.received(*t)

    async def read_loop(self):
        try:
            if self.proto == "ws":
                await self.read_ws()
            else:
                await self.read_lines()
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as e:
            if not self.quitting:
                self.violation(f"connection lost: {e!r}")
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a bug of ours or an answer we cannot parse: say so
            self.violation(f"reader failed: {e!r}")

    async def read_lines(self):
        while True:
            raw = await self.reader.readline()
            if not raw:
                if not self.quitting:
                    self.violation("the server closed the connection")
                return
            line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
            if self.proto == "plain":
                self.plain_line(line)
            else:
                self.irc_line(line)

    def plain_line(self, line):
        if line.startswith("#"):
            room, _, rest = line.partition(" ")
            if rest.startswith("<"):
                nick, _, text = rest[1:].partition("> ")
                self.got(room, nick, text)
        elif line.startswith("!!! "):
            if not self.quitting:
                self.violation(f"refused: {line}")
        elif line.startswith("--- Members of ") and not self.joined.is_set():
            if line.lower().startswith(f"--- members of {self.room.lower()} "):
                self.joined.set()

    def irc_line(self, line):
        nick, cmd, params = wire.irc_parse(line)
        if cmd == "PING":
            self.send_raw(f"PONG :{params[-1] if params else ''}\r\n")
        elif cmd == "PRIVMSG" and len(params) == 2:
            self.got(params[0], nick, params[1])
        elif cmd == "366":
            self.joined.set()
        # 422 is "no MOTD", which refuses nothing.
        elif cmd.isdigit() and 400 <= int(cmd) < 600 and cmd != "422" or cmd == "FAIL":
            if not self.quitting:
                self.violation(f"refused: {line}")
        elif cmd == "ERROR" and not self.quitting:
            self.violation(f"ERROR: {line}")

    async def read_ws(self):
        while True:
            op, payload = await wire.ws_read(self.reader, None)
            if op == wire.CLOSE:
                if not self.quitting:
                    self.violation(f"closed by the server: {payload!r}")
                return
            if op == wire.PING:
                self.writer.write(wire.ws_frame(wire.PONG, payload))
                continue
            if op != wire.TEXT:
                continue
            m = json.loads(payload)
            t = m.get("type")
            if t == "event" and m.get("kind") == "message":
                self.got(m.get("room"), m.get("nick"), m.get("text", ""))
            elif t == "joined" and m.get("room", "").lower() == self.room.lower():
                self.joined.set()
            elif t == "error" and not self.quitting:
                self.violation(f"refused: {payload.decode(errors='replace')}")

    async def quit(self):
        self.quitting = True
        try:
            if self.proto == "plain":
                self.send_raw("/quit done\r\n")
            elif self.proto == "irc":
                self.send_raw("QUIT :done\r\n")
            else:
                self.send_ws({"type": "quit"})
            await self.writer.drain()
            await asyncio.wait_for(self.task, PATIENCE)
        except (asyncio.TimeoutError, ConnectionError, OSError):
            pass
        finally:
            self.task.cancel()
            wire.close(self.writer)
