#!/usr/bin/python3
"""Parley's browser endpoint (JSON over WebSocket at /ws on --http-listen) against its contract
(docs/protocol.md, "Browsers"): the opening handshake and its refusals, RFC 6455 framing and its
failures (each with its close code), and chat as a browser sees it, next to a plain-protocol
user in the same room. Every test starts its own parley-server (all other listeners `none`,
`--data-dir none`) on a free loopback port and talks to it over real sockets: raw ones where
the test sends what no client library would, the `websockets` library (Debian's
python3-websockets) otherwise. Every wait has a deadline; nothing waits a fixed time.

Usage: ws_protocol_test.py [--binary PATH] [-k SUBSTRING]
  --binary PATH   parley-server to test (default build/bin/parley-server, or $PARLEY_SERVER)
  -k SUBSTRING    run only the tests whose name contains it
Prints one line per test (PASS/FAIL and its time) and exits 0 when all pass, 1 when any fails,
77 (ctest's skip) when python3-websockets is not installed.
"""

import argparse
import asyncio
import json
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    import websockets
    import websockets.exceptions
except ImportError:
    print("SKIPPED: python3-websockets is not installed (apt-get install python3-websockets; "
          "scripts/test installs it)")
    sys.exit(77)

from parley_process import ParleyServer, ServerFailed  # noqa: E402
from ws_wire import (BINARY, CLOSE, CONTINUATION, PING, PONG, TEXT, RawSocket,  # noqa: E402
                     WireError, accept_for, close_payload, encode_frame, http_exchange,
                     request_bytes)

PATIENCE = 5.0  # one expected answer
TEST_TIMEOUT = 20.0  # one test, whatever happens
DEFAULT_LIMIT = 16384  # max(16384, 2 * 4096 + 1024): the message size limit at --max-line 4096

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Failure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Context:
    """What one test started: its servers and connections, stopped when it ends."""

    def __init__(self, binary):
        self.binary = binary
        self.servers = []
        self.closers = []
        self.dirs = []

    def temp_dir(self):
        """A directory removed once the test's servers have stopped."""
        self.dirs.append(Path(tempfile.mkdtemp(prefix="parley-web-data-")))
        return self.dirs[-1]

    def server(self, *args, plain=False, data_dir=None):
        srv = ParleyServer(self.binary, args=args, plain=plain, data_dir=data_dir)
        self.servers.append(srv)
        return srv.start()

    async def client(self, srv, **kwargs):
        c = await Client.connect(srv.http_port, **kwargs)
        self.closers.append(c.abort)
        return c

    async def joined_client(self, srv, nick=None):
        """A client past its welcome, its joined #lobby and its history; renamed to `nick`."""
        c = await self.client(srv)
        await c.handshake()
        if nick:
            await c.rename(nick)
        return c

    async def raw(self, srv, headers=None):
        r = await RawSocket.open(srv.http_port, headers=headers)
        self.closers.append(r.close)
        return r

    async def plain(self, srv):
        p = await PlainUser.connect(srv.plain_port)
        self.closers.append(p.close)
        return p

    async def finish(self, failed):
        """Closes what the test opened and stops its servers; returns why the test fails after
        all: a server that did not exit 0 on SIGTERM (under ASan, a report makes it exit 1)."""
        for close in reversed(self.closers):
            try:
                r = close()
                if asyncio.iscoroutine(r):
                    await asyncio.wait_for(r, 2)
            except Exception:
                pass
        problems = []
        for srv in self.servers:
            rc = srv.stop()
            if rc != 0:
                problems.append(f"parley-server exited with status {rc} on SIGTERM")
            if failed or rc != 0:
                print(f"    --- server log (last lines), {' '.join(srv.command())}")
                for line in srv.log_text().splitlines()[-40 if rc else -15:]:
                    print(f"    | {line}")
            srv.cleanup()
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)
        return problems


class Client:
    """A browser's connection through the websockets library: JSON commands out, JSON
    messages in, read in order."""

    def __init__(self, ws):
        self.ws = ws
        self.nick = None
        self.seen = []  # every message received, in order

    @classmethod
    async def connect(cls, port, origin=None):
        ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws", origin=origin,
                                      open_timeout=PATIENCE, close_timeout=2, max_size=None,
                                      ping_interval=None, compression=None)
        return cls(ws)

    async def send(self, **command):
        await self.ws.send(json.dumps(command, ensure_ascii=False))

    async def next(self, timeout=PATIENCE):
        try:
            text = await asyncio.wait_for(self.ws.recv(), timeout)
        except asyncio.TimeoutError:
            raise Failure(f"nothing received within {timeout:g} s") from None
        check(isinstance(text, str), f"a binary message from the server: {text!r}")
        message = json.loads(text)
        check(isinstance(message, dict) and isinstance(message.get("type"), str),
              f"not an object with a type: {text}")
        self.seen.append(message)
        return message

    async def expect(self, what, timeout=PATIENCE, **fields):
        """The next message of type `what` whose fields equal `fields`; others are skipped
        (kept in `seen`)."""
        end = time.monotonic() + timeout
        skipped = []
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise Failure(f"no {what} {fields} within {timeout:g} s; {summary(skipped)}")
            try:
                m = await self.next(left)
            except Failure:
                raise Failure(f"no {what} {fields} within {timeout:g} s; "
                              f"{summary(skipped)}") from None
            except websockets.exceptions.ConnectionClosed as e:
                raise Failure(f"connection closed ({close_code(e)}) waiting for {what} "
                              f"{fields}; {summary(skipped)}") from None
            if m["type"] == what and all(m.get(k) == v for k, v in fields.items()):
                return m
            skipped.append(m)

    async def expect_next(self, what, timeout=PATIENCE, **fields):
        """The very next message must be of type `what` with `fields`."""
        m = await self.next(timeout)
        check((what is None or m["type"] == what) and all(m.get(k) == v for k, v in fields.items()),
              f"expected {what} {fields} next, got {m}")
        return m

    async def handshake(self):
        welcome = await self.expect_next("welcome")
        check(isinstance(welcome.get("nick"), str) and welcome["nick"],
              f"welcome without a nick: {welcome}")
        self.nick = welcome["nick"]
        self.welcome = welcome
        self.lobby = await self.expect_next_own_join("joined", room="#lobby")
        self.lobby_history = await self.expect_next_own_join("history", room="#lobby")
        return welcome

    async def expect_next_own_join(self, what, **fields):
        """The next message must be `what`, but for the joiner's own join event: the contract
        does not say whether the joiner gets one besides `joined` (the plain protocol shows
        its own join), so one is let through."""
        m = await self.next()
        if is_own_join(m, self.nick):
            m = await self.next()
        check(m["type"] == what and all(m.get(k) == v for k, v in fields.items()),
              f"expected {what} {fields} next, got {m}")
        return m

    async def rename(self, nick):
        old = self.nick
        await self.send(type="nick", nick=nick)
        await self.expect("event", kind="nick", nick=old, text=nick)
        self.nick = nick

    async def say(self, text, room="#lobby"):
        """Says `text` and returns the echo (the server's proof that it took it)."""
        await self.send(type="say", room=room, text=text)
        return await self.expect("event", kind="message", room=room, nick=self.nick, text=text)

    async def abort(self):
        await self.ws.close()


def summary(messages):
    if len(messages) <= 6:
        return f"got {messages}"
    return f"got {len(messages)} others, the last {messages[-5:]}"


def close_code(e):
    return e.rcvd.code if e.rcvd else None


class PlainUser:
    """A plain-protocol user: what nc would type and read, on the plain listener."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.lines = []

    @classmethod
    async def connect(cls, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        user = cls(reader, writer)
        m = await user.expect(r"^--- Your nickname is (\S+)\.")
        user.nick = m.group(1)
        await user.expect(r"^--- Members of #lobby")
        return user

    async def type(self, line):
        self.writer.write(line.encode() + b"\n")
        await self.writer.drain()

    async def expect(self, pattern, timeout=PATIENCE):
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            try:
                raw = await asyncio.wait_for(self.reader.readline(), max(left, 0.01))
            except asyncio.TimeoutError:
                raise Failure(f"plain user: no line matching {pattern!r} within {timeout:g} s; "
                              f"last lines {self.lines[-5:]}") from None
            if not raw:
                raise Failure(f"plain user: connection closed waiting for {pattern!r}")
            line = raw.decode(errors="replace").rstrip("\r\n")
            self.lines.append(line)
            m = rx.search(line)
            if m:
                return m

    def close(self):
        self.writer.close()


def is_own_join(m, nick):
    return (m.get("type") == "event" and m.get("kind") == "join" and m.get("nick") == nick
            and m.get("room") == "#lobby")


def is_time(value):
    """An event's time: milliseconds since the epoch, within a day of now (the test's events
    are all made while it runs)."""
    return (isinstance(value, int) and not isinstance(value, bool)
            and abs(value - time.time() * 1000) < 86_400_000)


# ---------------------------------------------------------------------------------------------
# The opening handshake


@test
async def handshake_accepts_a_valid_request(ctx):
    srv = ctx.server()
    data, fields = request_bytes(srv.http_port, headers={
        # Extensions and subprotocols are offered; none may be negotiated.
        "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
        "Sec-WebSocket-Protocol": "chat"})
    response, reader, writer = await http_exchange(srv.http_port, data)
    raw = RawSocket(reader, writer, response)
    ctx.closers.append(raw.close)
    check(response.status == 101, f"status {response.status}, expected 101: {response}")
    check((response.header("upgrade") or "").lower() == "websocket", f"Upgrade: {response}")
    check("upgrade" in (response.header("connection") or "").lower(), f"Connection: {response}")
    check(response.header("sec-websocket-accept") == accept_for(fields["Sec-WebSocket-Key"]),
          f"Sec-WebSocket-Accept wrong: {response}")
    check(response.header("sec-websocket-extensions") is None,
          f"an extension was negotiated: {response}")
    check(response.header("sec-websocket-protocol") is None,
          f"a subprotocol was negotiated: {response}")
    welcome = json.loads(await raw.recv_data())
    check(welcome.get("type") == "welcome", f"first message not a welcome: {welcome}")


async def expect_refusal(port, data, status, what):
    response, _, writer = await http_exchange(port, data)
    writer.close()
    check(response.status == status,
          f"{what}: status {response.status}, expected {status}: {response}")
    return response


@test
async def handshake_refuses_missing_or_bad_fields_with_400(ctx):
    port = ctx.server().http_port
    for name in ("Upgrade", "Connection", "Sec-WebSocket-Key", "Host"):
        await expect_refusal(port, request_bytes(port, omit=(name,))[0], 400, f"no {name}")
    cases = {
        "Upgrade: h2c": {"Upgrade": "h2c"},
        "Connection: keep-alive": {"Connection": "keep-alive"},
        "a key of 15 bytes": {"Sec-WebSocket-Key": "AAAAAAAAAAAAAAAAAAAA"},  # base64 of 15
        "a key of 17 bytes": {"Sec-WebSocket-Key": "AAAAAAAAAAAAAAAAAAAAAAA="},  # of 17
        "a key not base64": {"Sec-WebSocket-Key": "!!!!!!!!!!!!!!!!!!!!!!=="},
    }
    for what, headers in cases.items():
        await expect_refusal(port, request_bytes(port, headers=headers)[0], 400, what)
    await expect_refusal(port, request_bytes(port, version="HTTP/1.0")[0], 400, "HTTP/1.0")


@test
async def handshake_accepts_tokens_in_any_case_and_in_lists(ctx):
    port = ctx.server().http_port
    data, _ = request_bytes(port, headers={"Upgrade": "WebSocket",
                                           "Connection": "keep-alive, Upgrade"})
    response, _, writer = await http_exchange(port, data)
    writer.close()
    check(response.status == 101, f"status {response.status}, expected 101: {response}")


@test
async def handshake_other_version_gets_426_naming_13(ctx):
    port = ctx.server().http_port
    r = await expect_refusal(port, request_bytes(port, headers={"Sec-WebSocket-Version": "8"})[0],
                             426, "version 8")
    check(r.header("sec-websocket-version") == "13",
          f"426 without Sec-WebSocket-Version: 13: {r}")
    await expect_refusal(port, request_bytes(port, omit=("Sec-WebSocket-Version",))[0], 400,
                         "no version")


@test
async def handshake_post_gets_405(ctx):
    port = ctx.server().http_port
    await expect_refusal(port, request_bytes(port, method="POST")[0], 405, "POST /ws")


@test
async def handshake_bytes_before_the_answer_get_400(ctx):
    # RFC 6455 4.1: a client sends no frame before the server's 101.
    port = ctx.server().http_port
    data = request_bytes(port)[0] + encode_frame(TEXT, '{"type":"rooms"}')
    await expect_refusal(port, data, 400, "a frame right after the request head")


@test
async def handshake_origin_same_by_default(ctx):
    port = ctx.server().http_port
    for origin in ("http://evil.example", f"http://127.0.0.1:{port + 1}", "null",
                   f"https://127.0.0.1.evil.example:{port}"):
        await expect_refusal(port, request_bytes(port, headers={"Origin": origin})[0], 403,
                             f"Origin {origin}")
    for origin in (f"http://127.0.0.1:{port}", None):
        headers = {"Origin": origin} if origin else {}
        response, _, writer = await http_exchange(port, request_bytes(port, headers=headers)[0])
        writer.close()
        check(response.status == 101, f"Origin {origin}: status {response.status}, expected 101")
    # The websockets library as a browser would use it, from the page's own origin.
    c = await ctx.client(ctx.servers[0], origin=f"http://127.0.0.1:{port}")
    await c.handshake()


@test
async def handshake_origin_list(ctx):
    srv = ctx.server("--http-origin", "https://chat.example.com,http://localhost:8080")
    port = srv.http_port
    for origin in ("https://chat.example.com", "http://localhost:8080",
                   "HTTPS://Chat.Example.COM", "https://chat.example.com:443"):
        response, _, writer = await http_exchange(
            port, request_bytes(port, headers={"Origin": origin})[0])
        writer.close()
        check(response.status == 101, f"listed Origin {origin}: status {response.status}")
    for origin in ("https://evil.example", "http://chat.example.com",
                   "https://chat.example.com:8443", "http://localhost:8081", "null"):
        await expect_refusal(port, request_bytes(port, headers={"Origin": origin})[0], 403,
                             f"unlisted Origin {origin}")
    response, _, writer = await http_exchange(port, request_bytes(port)[0])
    writer.close()
    check(response.status == 101, f"no Origin under a list: status {response.status}")


@test
async def handshake_origin_any(ctx):
    port = ctx.server("--http-origin", "*").http_port
    for origin in ("https://anywhere.example", "null"):
        response, _, writer = await http_exchange(
            port, request_bytes(port, headers={"Origin": origin})[0])
        writer.close()
        check(response.status == 101, f"Origin {origin} under '*': status {response.status}")


@test
async def http_serves_the_web_client(ctx):
    port = ctx.server().http_port
    for path, kind in (("/", "text/html"), ("/app.js", "javascript"), ("/style.css", "text/css"),
                       ("/favicon.svg", "image/svg+xml")):
        data = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        response, _, writer = await http_exchange(port, data)
        writer.close()
        check(response.status == 200, f"GET {path}: status {response.status}")
        check(kind in (response.header("content-type") or ""),
              f"GET {path}: Content-Type {response.header('content-type')!r}, expected {kind}")
        check(len(response.body) > 0, f"GET {path}: empty body")
    data = f"GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    response, _, writer = await http_exchange(port, data)
    writer.close()
    check(response.status == 404, f"GET /nothing-here: status {response.status}, expected 404")


# ---------------------------------------------------------------------------------------------
# Framing


async def welcomed_raw(ctx, srv):
    """A raw connection past welcome, joined and history."""
    raw = await ctx.raw(srv)
    nick = None
    for expected in ("welcome", "joined", "history"):
        m = json.loads(await raw.recv_data())
        if is_own_join(m, nick):
            m = json.loads(await raw.recv_data())
        check(m.get("type") == expected, f"expected {expected}, got {m}")
        nick = m.get("nick", nick)
    return raw


@test
async def framing_unmasked_frame_closes_1002(ctx):
    raw = await welcomed_raw(ctx, ctx.server())
    await raw.send(TEXT, '{"type":"rooms"}', mask=False)
    await raw.expect_close(1002)


@test
async def framing_reserved_bits_close_1002(ctx):
    srv = ctx.server()
    for rsv in (4, 2, 1):  # RSV1 (permessage-deflate's bit, not negotiated), RSV2, RSV3
        raw = await welcomed_raw(ctx, srv)
        await raw.send(TEXT, '{"type":"rooms"}', rsv=rsv)
        await raw.expect_close(1002)


@test
async def framing_protocol_errors_close_1002(ctx):
    srv = ctx.server()
    cases = [
        ("a continuation outside a message", [encode_frame(CONTINUATION, "x")]),
        ("a text frame inside a message",
         [encode_frame(TEXT, "{", fin=False), encode_frame(TEXT, "}")]),
        ("a fragmented ping", [encode_frame(PING, "x", fin=False)]),
        ("a ping of 126 bytes", [encode_frame(PING, b"x" * 126)]),
        ("opcode 3 (reserved)", [encode_frame(0x3, "x")]),
        ("opcode 0xB (reserved)", [encode_frame(0xB, "x")]),
    ]
    for what, frames in cases:
        raw = await welcomed_raw(ctx, srv)
        await raw.send_raw(b"".join(frames))
        try:
            await raw.expect_close(1002)
        except WireError as e:
            raise Failure(f"{what}: {e}") from None


@test
async def framing_binary_message_closes_1003(ctx):
    raw = await welcomed_raw(ctx, ctx.server())
    await raw.send(BINARY, b'{"type":"rooms"}')
    await raw.expect_close(1003)


@test
async def framing_oversize_message_closes_1009(ctx):
    srv = ctx.server()
    # At the limit: taken (a command whose text is too long for a message: refused, not closed).
    raw = await welcomed_raw(ctx, srv)
    prefix, suffix = '{"type":"say","room":"#lobby","ref":"at-limit","text":"', '"}'
    body = prefix + "x" * (DEFAULT_LIMIT - len(prefix) - len(suffix)) + suffix
    check(len(body) == DEFAULT_LIMIT, "test bug")
    await raw.send(TEXT, body)
    m = json.loads(await raw.recv_data())
    check(m.get("type") == "error" and m.get("code") == "text-too-long"
          and m.get("ref") == "at-limit",
          f"a {DEFAULT_LIMIT}-byte message: expected error text-too-long with ref, got {m}")
    # One byte over, in one frame.
    await raw.send(TEXT, body + " ")
    await raw.expect_close(1009)
    # Over, across fragments that are each under it: the limit is on the whole message.
    raw = await welcomed_raw(ctx, srv)
    half = "x" * (DEFAULT_LIMIT // 2 + 1)
    await raw.send(TEXT, half, fin=False)
    await raw.send(CONTINUATION, half, fin=False)
    await raw.expect_close(1009)


@test
async def framing_limit_follows_max_line(ctx):
    # --max-line 10000: max(16384, 2 * 10000 + 1024) = 21024 bytes.
    srv = ctx.server("--max-line", "10000")
    raw = await welcomed_raw(ctx, srv)
    body = json.dumps({"type": "rooms", "ref": "big", "padding": "p" * 20000})
    check(16384 < len(body) <= 21024, "test bug")
    await raw.send(TEXT, body)
    m = json.loads(await raw.recv_data())
    check(m.get("type") == "rooms" and m.get("ref") == "big",
          f"a {len(body)}-byte command under --max-line 10000: expected rooms, got {m}")
    await raw.send(TEXT, "x" * 21025)
    await raw.expect_close(1009)


@test
async def framing_fragments_with_pings_between(ctx):
    srv = ctx.server()
    raw = await welcomed_raw(ctx, srv)
    command = json.dumps({"type": "say", "room": "#lobby", "text": "pieced together ünï"},
                         ensure_ascii=False)
    data = command.encode()
    cut1, cut2 = 10, data.index("ü".encode()) + 1  # the second cut splits a UTF-8 sequence
    await raw.send(TEXT, data[:cut1], fin=False)
    await raw.send(PING, b"first")
    _, op, payload = await raw.recv()
    check(op == PONG and payload == b"first", f"expected pong 'first', got {op:#x} {payload!r}")
    await raw.send(CONTINUATION, data[cut1:cut2], fin=False)
    await raw.send(PING, b"")
    await raw.send(PONG, b"unsolicited")  # allowed, and ignored (RFC 6455 5.5.3)
    await raw.send(PING, b"\x00\xff binary is fine")
    _, op, payload = await raw.recv()
    check(op == PONG and payload == b"", f"expected an empty pong, got {op:#x} {payload!r}")
    _, op, payload = await raw.recv()
    check(op == PONG and payload == b"\x00\xff binary is fine",
          f"expected pong with the ping's bytes, got {op:#x} {payload!r}")
    await raw.send(CONTINUATION, data[cut2:], fin=True)
    m = json.loads(await raw.recv_data())
    check(m.get("type") == "event" and m.get("kind") == "message"
          and m.get("text") == "pieced together ünï",
          f"the reassembled say: expected its echo, got {m}")


@test
async def framing_invalid_utf8_closes_1007(ctx):
    srv = ctx.server()
    cases = [
        ("in one frame", [encode_frame(TEXT, b'{"type":"say","text":"\xff"}')]),
        ("an overlong form", [encode_frame(TEXT, b'"\xc0\xaf"')]),
        ("a surrogate", [encode_frame(TEXT, b'"\xed\xa0\x80"')]),
        ("a truncated sequence at the end", [encode_frame(TEXT, b'"\xe2\x82')]),
        ("split across fragments",
         [encode_frame(TEXT, b'{"text":"\xe2\x82', fin=False),
          encode_frame(CONTINUATION, b'\x28"}')]),
        # Fail fast (RFC 6455 8.1): the bad fragment is enough, the message never ends.
        ("in a first fragment, before the end",
         [encode_frame(TEXT, b'{"text":"\xf8', fin=False)]),
    ]
    for what, frames in cases:
        raw = await welcomed_raw(ctx, srv)
        await raw.send_raw(b"".join(frames))
        try:
            await raw.expect_close(1007)
        except WireError as e:
            raise Failure(f"invalid UTF-8 {what}: {e}") from None


@test
async def framing_close_handshake(ctx):
    srv = ctx.server()
    for sent, expected in ((close_payload(1000), 1000), (close_payload(4001, b"bye"), 4001),
                           (b"", 1000)):
        raw = await welcomed_raw(ctx, srv)
        await raw.send(CLOSE, sent)
        try:
            await raw.expect_close(expected, reply=False)
        except WireError as e:
            raise Failure(f"Close {sent!r}: {e}") from None
    # A Close with a code that may not be sent (1005) or a payload of one byte is a protocol
    # error.
    for sent in (close_payload(1005), b"\x03"):
        raw = await welcomed_raw(ctx, srv)
        await raw.send(CLOSE, sent)
        try:
            await raw.expect_close(1002, reply=False)
        except WireError as e:
            raise Failure(f"Close {sent!r}: {e}") from None


@test
async def server_close_codes_quit_1000_shutdown_1001(ctx):
    srv = ctx.server()
    c = await ctx.joined_client(srv)
    await c.send(type="quit", reason="done")
    try:
        await asyncio.wait_for(c.ws.wait_closed(), PATIENCE)
    except asyncio.TimeoutError:
        raise Failure("still open after quit") from None
    check(c.ws.close_rcvd and c.ws.close_rcvd.code == 1000,
          f"quit: close {c.ws.close_rcvd}, expected 1000")
    raw = await welcomed_raw(ctx, srv)
    srv.signal(signal.SIGTERM)
    await raw.expect_close(1001)
    check(srv.wait_exit(5) == 0, "the server did not exit 0 after SIGTERM")


@test
async def server_full_closes_1013(ctx):
    srv = ctx.server("--max-clients", "1")
    await welcomed_raw(ctx, srv)
    raw = await ctx.raw(srv)  # the upgrade succeeds, then a Close says why
    reason = await raw.expect_close(1013)
    check(reason.startswith("server-full"), f"1013 reason {reason!r}")


@test
async def too_many_refused_commands_close_1008(ctx):
    # Strikes are what a broken or hostile client sends: JSON that is not JSON, text with
    # control characters (as for plain lines); --rate is out of the way.
    srv = ctx.server("--strikes", "5", "--rate", "1000", "--burst", "1000")
    for what, message in (("bad JSON", "{not json"),
                          ("a control character",
                           json.dumps({"type": "say", "room": "#lobby", "text": "\u001b[2J"}))):
        raw = await welcomed_raw(ctx, srv)
        # More than --strikes: six. Not one more, which would reach a closed socket, and its
        # reset could take the Close frame with it.
        await raw.send_raw(b"".join(encode_frame(TEXT, message) for _ in range(6)))
        try:
            reason = await raw.expect_close(1008)
        except WireError as e:
            raise Failure(f"6 times {what} under --strikes 5: {e}") from None
        check("refused" in reason, f"1008 reason {reason!r}")


# ---------------------------------------------------------------------------------------------
# Chat


@test
async def chat_welcome_join_and_history(ctx):
    srv = ctx.server()
    c = await ctx.client(srv)
    welcome = await c.handshake()
    check(re.fullmatch(r"guest\d+", welcome["nick"]), f"welcome nick {welcome['nick']!r}")
    check(isinstance(welcome.get("motd"), list), f"welcome motd: {welcome}")
    limits = welcome.get("limits", {})
    check(all(isinstance(limits.get(k), int) and limits[k] > 0
              for k in ("text", "topic", "history")), f"welcome limits: {limits}")
    check(c.lobby.get("topic") is None, f"fresh #lobby with a topic: {c.lobby}")
    check(c.lobby.get("members") == [{"nick": c.nick}], f"members of #lobby: {c.lobby}")
    check(c.lobby_history.get("events") == [] and c.lobby_history.get("more") is False,
          f"history of a fresh #lobby: {c.lobby_history}")


@test
async def chat_say_echo_and_second_client(ctx):
    srv = ctx.server()
    a = await ctx.joined_client(srv)
    b = await ctx.joined_client(srv)
    join = await a.expect("event", kind="join", room="#lobby", nick=b.nick)
    check("text" not in join and "id" not in join and is_time(join.get("time")),
          f"a join event: {join}")
    echo = await a.say("hello, world ☕")
    check(isinstance(echo.get("id"), int) and echo["id"] > 0, f"echo without an id: {echo}")
    check(is_time(echo.get("time")), f"echo time {echo.get('time')!r}")
    check("target" not in echo, f"room message with a target: {echo}")
    seen = await b.expect("event", kind="message", nick=a.nick)
    check(seen == echo, f"B saw {seen}, A's echo was {echo}")
    second = await b.say("and back")
    check(second["id"] > echo["id"], f"ids not increasing: {echo['id']} then {second['id']}")
    await a.expect("event", kind="message", nick=b.nick, text="and back", id=second["id"])
    await a.send(type="me", room="#lobby", text="waves")
    act = await b.expect("event", kind="action", nick=a.nick, room="#lobby", text="waves")
    check(isinstance(act.get("id"), int) and act["id"] > second["id"], f"action id: {act}")
    await a.expect("event", kind="action", nick=a.nick, text="waves")


@test
async def chat_nick_change(ctx):
    srv = ctx.server()
    a = await ctx.joined_client(srv)
    b = await ctx.joined_client(srv)
    old = a.nick
    await a.rename("alice")
    ev = await b.expect("event", kind="nick", nick=old, text="alice")
    check("room" not in ev, f"a nick event with a room: {ev}")
    await b.send(type="nick", nick="ALICE", ref="n1")
    err = await b.expect("error", ref="n1")
    check(err.get("code") == "nick-taken", f"ALICE while alice is in use: {err}")
    await b.send(type="nick", nick="9lives", ref=2)
    err = await b.expect("error", ref=2)
    check(err.get("code") == "bad-nick", f"nick 9lives: {err}")
    echo = await a.say("still me")
    check(echo["nick"] == "alice", f"message after the change: {echo}")
    await b.expect("event", kind="message", nick="alice", text="still me")


@test
async def chat_join_second_room_part_and_topic(ctx):
    srv = ctx.server()
    a = await ctx.joined_client(srv, "alice")
    b = await ctx.joined_client(srv, "bob")
    await a.send(type="join", room="rust", ref="j1")  # the '#' may be left out
    joined = await a.expect("joined", room="#rust")
    check(joined.get("ref") == "j1", f"joined without the ref: {joined}")
    check(joined.get("members") == [{"nick": "alice", "op": True}],
          f"the creator of #rust: {joined['members']}")
    check(joined.get("topic") is None, f"new room with a topic: {joined}")
    history = await a.expect_next("history", room="#rust")
    check(history.get("events") == [] and history.get("more") is False, f"{history}")
    await a.send(type="topic", room="#rust", text="borrow checking")
    topic = await a.expect("event", kind="topic", room="#rust", nick="alice")
    check(topic.get("text") == "borrow checking", f"topic event {topic}")
    await b.send(type="join", room="#Rust")
    joined = await b.expect("joined", room="#rust")
    check(joined["members"] == [{"nick": "alice", "op": True}, {"nick": "bob"}],
          f"members of #rust for bob: {joined['members']}")
    check(joined["topic"] and joined["topic"].get("text") == "borrow checking"
          and joined["topic"].get("nick") == "alice" and is_time(joined["topic"].get("time")),
          f"topic of #rust for bob: {joined['topic']}")
    await a.expect("event", kind="join", room="#rust", nick="bob")
    await b.say("in rust", room="#rust")
    await a.expect("event", kind="message", room="#rust", nick="bob", text="in rust")
    await b.send(type="part", room="#rust", reason="lunch")
    ev = await a.expect("event", kind="part", room="#rust", nick="bob")
    check(ev.get("text") == "lunch", f"part event {ev}")
    await a.send(type="topic", room="#rust", text="")
    await a.expect("event", kind="topic", room="#rust", nick="alice", text="")


@test
async def chat_private_message(ctx):
    srv = ctx.server()
    a = await ctx.joined_client(srv, "alice")
    b = await ctx.joined_client(srv, "bob")
    await a.send(type="msg", to="bob", text="psst")
    got = await b.expect("event", kind="message", nick="alice", text="psst")
    check(got.get("target") == "bob" and "room" not in got, f"private message seen: {got}")
    check(isinstance(got.get("id"), int) and is_time(got.get("time")), f"{got}")
    echo = await a.expect("event", kind="message", nick="alice", text="psst")
    check(echo.get("target") == "bob" and "room" not in echo, f"sender's echo: {echo}")
    await a.send(type="msg", to="nobody", text="hello?", ref="m2")
    err = await a.expect("error", ref="m2")
    check(err.get("code") == "no-such-nick", f"msg to nobody: {err}")


@test
async def chat_rooms_and_who(ctx):
    srv = ctx.server()
    a = await ctx.joined_client(srv, "Zed")
    await ctx.joined_client(srv, "alice")
    c = await ctx.joined_client(srv, "bob")
    await c.send(type="who", room="#lobby", ref=42)
    members = await c.expect("members", ref=42)
    check(members.get("room") == "#lobby", f"members room {members}")
    check(members["members"] == [{"nick": "alice"}, {"nick": "bob"}, {"nick": "Zed"}],
          f"members of #lobby not sorted without case: {members['members']}")
    await c.send(type="who", room="#nowhere", ref="w2")
    err = await c.expect("error", ref="w2")
    check(err.get("code") == "no-such-room", f"who #nowhere: {err}")
    await a.send(type="join", room="#quiet")
    await a.expect("joined", room="#quiet")
    await a.send(type="topic", room="#quiet", text="shh")
    await a.expect("event", kind="topic", room="#quiet")
    await c.send(type="rooms", ref="r")
    rooms = await c.expect("rooms", ref="r")
    by_name = {r["name"]: r for r in rooms["rooms"]}
    check(by_name.get("#quiet") == {"name": "#quiet", "members": 1, "topic": "shh"},
          f"rooms: #quiet {by_name.get('#quiet')}")
    check(by_name.get("#lobby", {}).get("members") in (2, 3) and "topic" not in by_name["#lobby"],
          f"rooms: #lobby {by_name.get('#lobby')}")


@test
async def chat_history_paging(ctx):
    await history_paging(ctx, ctx.server("--rate", "1000", "--burst", "1000", "--history", "100"))


@test
async def chat_history_paging_from_the_store(ctx):
    # With a data directory the pages come from SQLite, on the storage thread; the recent
    # messages on joining are fewer than what is stored (--history 20).
    data = ctx.temp_dir()
    await history_paging(ctx, ctx.server("--rate", "1000", "--burst", "1000", "--history", "20",
                                         data_dir=data), recent=20)


async def history_paging(ctx, srv, recent=None):
    a = await ctx.joined_client(srv, "alice")
    ids = []
    for i in range(45):
        ids.append((await a.say(f"message {i}"))["id"])
    b = await ctx.joined_client(srv, "bob")
    shown = b.lobby_history["events"]
    first = 45 - (recent or 45)
    check([e["text"] for e in shown] == [f"message {i}" for i in range(first, 45)],
          f"scrollback on joining: {[e.get('text') for e in shown]}")
    check([e["id"] for e in shown] == ids[first:], "scrollback ids differ from the echoes'")
    if recent:
        check(b.lobby_history["more"] is True, "scrollback of 20 of 45 without more")
    # Paging from the newest, ten at a time, until there is no more.
    await b.send(type="history", room="#lobby", limit=10, ref="p0")
    page = await b.expect("history", ref="p0")
    check([e["id"] for e in page["events"]] == ids[-10:] and page["more"] is True,
          f"newest page: {[e['id'] for e in page['events']]} more={page.get('more')}")
    got = page["events"]
    for n in range(1, 10):
        before = got[0]["id"]
        await b.send(type="history", room="#lobby", before=before, limit=10, ref=f"p{n}")
        page = await b.expect("history", ref=f"p{n}", room="#lobby")
        events = page["events"]
        check(all(e["id"] < before for e in events), f"page before {before}: {events}")
        check([e["id"] for e in events] == sorted(e["id"] for e in events),
              "a page not oldest first")
        check(all(e["kind"] == "message" and e["nick"] == "alice" and is_time(e["time"])
                  for e in events), f"page events: {events}")
        got = events + got
        if not page["more"]:
            break
    check([e["id"] for e in got] == ids, f"paged ids {[e['id'] for e in got]} != {ids}")
    check([e["text"] for e in got] == [f"message {i}" for i in range(45)], "paged texts")
    await b.send(type="history", room="#lobby", before=ids[0], ref="end")
    page = await b.expect("history", ref="end")
    check(page["events"] == [] and page["more"] is False, f"before the first: {page}")


@test
async def chat_errors_carry_ref_and_change_nothing(ctx):
    srv = ctx.server("--rate", "1000", "--burst", "1000")
    a = await ctx.joined_client(srv, "alice")
    b = await ctx.joined_client(srv, "bob")
    await a.expect("event", kind="nick", text="bob")  # the last of what bob's arrival shows
    # A room that exists and alice is not in.
    await b.send(type="join", room="#elsewhere")
    await b.expect("joined", room="#elsewhere")
    await b.expect("history", room="#elsewhere")
    too_long = "x" * (a.welcome["limits"]["text"] + 1)
    cases = [
        ({"type": "dance", "ref": "e1"}, "unknown-command"),
        ({"type": "say", "room": "#lobby", "ref": "e2"}, "usage"),  # no text
        ({"type": "say", "room": "#elsewhere", "text": "x", "ref": "e3"}, "not-in-room"),
        ({"type": "join", "room": "#bad room", "ref": "e4"}, "bad-room"),
        ({"type": "say", "room": "#lobby", "text": too_long, "ref": "e5"}, "text-too-long"),
        ({"type": "say", "room": "#lobby", "text": "bell\u0007", "ref": "e6"},
         "control-character"),
        ({"type": "say", "room": "#lobby", "text": "esc\u001b[31m", "ref": 7},
         "control-character"),
        ({"type": "msg", "to": "nobody", "text": "x", "ref": "e8"}, "no-such-nick"),
        ({"type": "nick", "nick": "bob", "ref": "e9"}, "nick-taken"),
        ({"type": 5, "ref": "e11"}, None),
        ({"ref": "e12"}, None),
    ]
    for command, code in cases:
        await a.send(**command)
        err = await a.expect_next("error")
        check(err.get("ref") == command["ref"],
              f"{command}: error without the command's ref: {err}")
        check(isinstance(err.get("text"), str) and err["text"],
              f"{command}: error without a text: {err}")
        if code:
            check(err.get("code") == code, f"{str(command)[:80]}: code {err.get('code')!r}, "
                                           f"expected {code!r}: {err}")
    for text in ("not json", "{", '{"type":"say",}'):
        await a.ws.send(text)
        err = await a.expect_next("error")
        check(err.get("code") == "bad-json" and "ref" not in err, f"{text!r}: {err}")
    # JSON, but not an object: refused (which code, the contract does not say).
    for text in ("[1, 2]", '"a string"', "null"):
        await a.ws.send(text)
        err = await a.expect_next("error")
        check(err.get("code") in ("bad-json", "usage") and "ref" not in err, f"{text!r}: {err}")
    # Nothing of that reached bob; the next message does, and alice is still alice.
    await a.say("after the errors")
    ev = await b.expect_next("event")
    check(ev.get("kind") == "message" and ev.get("text") == "after the errors"
          and ev.get("nick") == "alice", f"bob saw {ev} first")
    # A topic longer than the welcome's limit is cut to it (IRC's TOPICLEN, for every
    # protocol), at a UTF-8 boundary.
    limit = a.welcome["limits"]["topic"]
    await a.send(type="topic", room="#lobby", text="t" * (limit - 1) + "é")
    ev = await a.expect("event", kind="topic", room="#lobby", nick="alice")
    check(ev.get("text") == "t" * (limit - 1), f"a topic of {limit + 1} bytes became "
                                               f"{len(ev.get('text', '').encode())} bytes")
    # A ref too long to copy is refused, not cut; unknown fields are ignored.
    await a.send(type="rooms", ref="r" * 65)
    m = await a.expect_next(None)
    check(m["type"] in ("error", "rooms") and "ref" not in m, f"a 65-byte ref: {m}")
    await a.send(type="rooms", ref="r" * 64, colour="blue")
    m = await a.expect_next("rooms")
    check(m.get("ref") == "r" * 64, f"a 64-byte ref: {m}")


@test
async def chat_flood(ctx):
    srv = ctx.server()  # --rate 5 --burst 20
    a = await ctx.joined_client(srv, "alice")
    b = await ctx.joined_client(srv, "bob")
    for i in range(40):
        await a.send(type="say", room="#lobby", text=f"flood {i}")
    err = await a.expect("error", code="flood")
    check(isinstance(err.get("text"), str), f"flood error {err}")
    # Lines were dropped: bob got at most the burst, in order, and not all forty.
    texts = []
    end = time.monotonic() + 2
    while time.monotonic() < end:
        try:
            m = await b.next(0.3)
        except Failure:
            break
        if m.get("kind") == "message":
            texts.append(m["text"])
    check(texts and texts == [f"flood {i}" for i in range(len(texts))] and len(texts) < 40,
          f"bob saw {len(texts)} of 40: {texts[:3]}...{texts[-3:]}")


@test
async def chat_with_a_plain_user(ctx):
    srv = ctx.server(plain=True)
    a = await ctx.joined_client(srv, "alice")
    p = await ctx.plain(srv)
    await a.expect("event", kind="join", room="#lobby", nick=p.nick)
    await p.type("/nick carol")
    await a.expect("event", kind="nick", nick=p.nick, text="carol")
    await p.type("hello from the terminal")
    ev = await a.expect("event", kind="message", room="#lobby", nick="carol")
    check(ev.get("text") == "hello from the terminal" and isinstance(ev.get("id"), int),
          f"the browser saw {ev}")
    await a.say("hello from the browser ☕")
    await p.expect(r"^#lobby <alice> hello from the browser ☕$")
    await a.send(type="me", room="#lobby", text="waves")
    await p.expect(r"^#lobby \* alice waves$")
    await a.send(type="msg", to="carol", text="psst carol")
    await p.expect(r"^\*alice\* psst carol$")
    await p.type("/msg alice psst alice")
    ev = await a.expect("event", kind="message", nick="carol", text="psst alice")
    check(ev.get("target") == "alice" and "room" not in ev, f"private from plain: {ev}")
    await a.send(type="topic", room="#lobby", text="plain and web")
    await p.expect(r"^-!- alice set the topic of #lobby to: plain and web$")
    await p.type("/who")
    await p.expect(r"^--- Members of #lobby \(2\): alice carol$")
    await p.type("/quit gone")
    ev = await a.expect("event", kind="quit", nick="carol")
    check(ev.get("text") == "gone" and "room" not in ev, f"quit event {ev}")


# ---------------------------------------------------------------------------------------------


async def run_one(fn, binary):
    ctx = Context(binary)
    started = time.monotonic()
    failed = True
    error = None
    try:
        await asyncio.wait_for(fn(ctx), TEST_TIMEOUT)
        failed = False
    except asyncio.TimeoutError:
        if time.monotonic() - started >= TEST_TIMEOUT:
            error = f"did not finish within {TEST_TIMEOUT:g} s"
        else:
            error = "a wait timed out:\n" + traceback.format_exc(limit=-4)
    except (AssertionError, ServerFailed, websockets.exceptions.WebSocketException, OSError,
            asyncio.IncompleteReadError, json.JSONDecodeError) as e:
        error = f"{type(e).__name__}: {e}"
        if not isinstance(e, (AssertionError, ServerFailed)):
            error += "\n" + "".join(traceback.format_exc(limit=-3))
    except Exception:
        error = traceback.format_exc()
    took = time.monotonic() - started
    print(f"{'FAIL' if failed else 'PASS'} {fn.__name__} ({took:.2f} s)", flush=True)
    if failed:
        for line in str(error).rstrip().splitlines():
            print(f"    {line}")
    problems = await ctx.finish(failed)
    if problems and not failed:
        print(f"FAIL {fn.__name__}: {'; '.join(problems)}", flush=True)
    return not failed and not problems


async def run(tests, binary):
    results = [await run_one(fn, binary) for fn in tests]
    return results.count(False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=None)
    parser.add_argument("-k", dest="only", default="")
    opts = parser.parse_args()
    tests = [t for t in TESTS if opts.only in t.__name__]
    if not tests:
        sys.exit(f"no test matches {opts.only!r}")
    started = time.monotonic()
    failures = asyncio.run(run(tests, opts.binary))
    took = time.monotonic() - started
    print(f"== web protocol: {len(tests) - failures} passed, {failures} failed ({took:.1f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
