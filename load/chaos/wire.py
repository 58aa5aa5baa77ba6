"""Sockets as the chaos client uses them: connecting (TCP or TLS, from a chosen loopback
address), reading lines with a deadline, resetting a connection (SO_LINGER 0), the WebSocket
handshake and frames (RFC 6455, client side, masked), and IRC's message form. Written on the
standard library alone, since the chaos client must also send what no client library would.
"""

import asyncio
import base64
import json
import os
import socket
import ssl
import struct

TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


def tls_context():
    """Accepts the test's self-signed certificate: the chaos client tests the server, not PKI."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


TLS = tls_context()


async def connect(port, tls=False, source=None, timeout=5.0, rcvbuf=None):
    """(reader, writer) to 127.0.0.1:port, from `source` (a loopback address) if given."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source:
            sock.bind((source, 0))
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port)),
                               timeout)
    except BaseException:
        sock.close()
        raise
    return await asyncio.wait_for(
        asyncio.open_connection(sock=sock, ssl=TLS if tls else None,
                                server_hostname="localhost" if tls else None,
                                limit=1 << 20), timeout)


def reset(writer):
    """Closes with a TCP reset (SO_LINGER 0) instead of an orderly FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


def close(writer):
    try:
        writer.close()
    except Exception:
        pass


def half_close(writer):
    """Shuts the write side (a FIN) and keeps reading; over TLS, a close_notify is not sent."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass


async def read_line(reader, timeout):
    """One line without its CRLF, as text (invalid UTF-8 replaced); None at end of stream."""
    raw = await asyncio.wait_for(reader.readline(), timeout)
    if not raw:
        return None
    return raw.rstrip(b"\r\n").decode("utf-8", "replace")


# --- WebSocket ---

def ws_request(path="/ws", key=None, host="127.0.0.1", extra=""):
    key = key or base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode()


def ws_frame(opcode, payload, fin=True, mask=True, rsv=0, length=None):
    """One frame; `length` may claim another length than the payload's (a frame cut short)."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + masked(payload, key)


def masked(payload, key):
    """`payload` XOR the 4-byte `key` repeated, as whole integers: a per-byte loop in Python
    would cost the chaos client's CPU more than the server's."""
    n = len(payload)
    if n == 0:
        return b""
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def ws_json(obj):
    return ws_frame(TEXT, json.dumps(obj).encode())


async def ws_handshake(reader, writer, timeout):
    """Upgrades; raises ConnectionError unless the answer is 101."""
    writer.write(ws_request())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"WebSocket upgrade refused: {head.splitlines()[0]!r}")


async def ws_read(reader, timeout):
    """(opcode, payload) of the next frame; server frames are never masked or fragmented."""
    h = await asyncio.wait_for(reader.readexactly(2), timeout)
    n = h[1] & 0x7F
    if n == 126:
        n = struct.unpack("!H", await reader.readexactly(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", await reader.readexactly(8))[0]
    payload = await asyncio.wait_for(reader.readexactly(n), timeout)
    return h[0] & 0x0F, payload


# --- IRC ---

def irc_parse(line):
    """(source nick, command, params) of an IRC line; tags are skipped."""
    if line.startswith("@"):
        line = line.partition(" ")[2]
    source = ""
    if line.startswith(":"):
        source, _, line = line[1:].partition(" ")
    trailing = None
    if " :" in line:
        line, _, trailing = line.partition(" :")
    parts = line.split()
    if trailing is not None:
        parts.append(trailing)
    if not parts:
        return source.split("!")[0], "", []
    return source.split("!")[0], parts[0].upper(), parts[1:]
