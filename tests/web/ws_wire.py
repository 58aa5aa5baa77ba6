"""RFC 6455 on raw asyncio streams, for tests that must send what a well-behaved client library
never would (unmasked frames, reserved bits, invalid UTF-8, pings between fragments) and read
exactly what the server answers: HTTP requests and responses, frames, and a handshake.
"""

import asyncio
import base64
import hashlib
import os
import struct

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class WireError(AssertionError):
    """The server sent something else than the test expects."""


def new_key(size=16):
    return base64.b64encode(os.urandom(size)).decode()


def accept_for(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def encode_frame(opcode, payload=b"", fin=True, mask=True, rsv=0):
    """One frame; `rsv` is the three reserved bits (0..7) as they sit in the first byte >> 4."""
    if isinstance(payload, str):
        payload = payload.encode()
    head = bytes([(0x80 if fin else 0) | ((rsv & 7) << 4) | opcode])
    size = len(payload)
    mask_bit = 0x80 if mask else 0
    if size < 126:
        head += bytes([mask_bit | size])
    elif size < 65536:
        head += bytes([mask_bit | 126]) + struct.pack("!H", size)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", size)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def close_payload(code=None, reason=b""):
    return b"" if code is None else struct.pack("!H", code) + reason


class Response:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"HTTP {self.status} {self.reason} {self.headers} {self.body[:200]!r}"


async def read_response(reader, timeout):
    """Reads a response head and, with Content-Length, its body."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    lines = head.decode("latin-1").split("\r\n")
    version, status, *reason = lines[0].split(" ", 2)
    if not version.startswith("HTTP/1."):
        raise WireError(f"not an HTTP response: {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = b""
    length = int(headers.get("content-length", "0"))
    if length:
        body = await asyncio.wait_for(reader.readexactly(length), timeout)
    return Response(int(status), reason[0] if reason else "", headers, body)


def request_bytes(port, method="GET", path="/ws", headers=None, omit=(), version="HTTP/1.1"):
    """A WebSocket opening request; `headers` override or add fields, `omit` drops some."""
    fields = {
        "Host": f"127.0.0.1:{port}",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": new_key(),
        "Sec-WebSocket-Version": "13",
    }
    fields.update(headers or {})
    text = f"{method} {path} {version}\r\n"
    for name, value in fields.items():
        if name not in omit:
            text += f"{name}: {value}\r\n"
    return (text + "\r\n").encode(), fields


async def http_exchange(port, data, timeout=5.0):
    """Sends raw bytes, returns the response and the stream (still open) to read more."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        response = await read_response(reader, timeout)
    except BaseException:
        writer.close()
        raise
    return response, reader, writer


class RawSocket:
    """A WebSocket connection after a handshake made by hand."""

    def __init__(self, reader, writer, response):
        self.reader, self.writer, self.response = reader, writer, response

    @classmethod
    async def open(cls, port, headers=None, timeout=5.0):
        data, fields = request_bytes(port, headers=headers)
        response, reader, writer = await http_exchange(port, data, timeout)
        if response.status != 101:
            writer.close()
            raise WireError(f"handshake refused: {response!r}")
        expected = accept_for(fields["Sec-WebSocket-Key"])
        if response.header("sec-websocket-accept") != expected:
            writer.close()
            raise WireError(f"Sec-WebSocket-Accept {response.header('sec-websocket-accept')!r}"
                            f", expected {expected!r}")
        return cls(reader, writer, response)

    async def send(self, opcode, payload=b"", **kwargs):
        self.writer.write(encode_frame(opcode, payload, **kwargs))
        await self.writer.drain()

    async def send_raw(self, data):
        self.writer.write(data)
        await self.writer.drain()

    async def recv(self, timeout=5.0):
        """(fin, opcode, payload) of the next frame; checks what RFC 6455 asks of a server's
        frames: unmasked, no reserved bits."""
        head = await asyncio.wait_for(self.reader.readexactly(2), timeout)
        if head[0] & 0x70:
            raise WireError(f"server frame with reserved bits set: {head[0]:#x}")
        if head[1] & 0x80:
            raise WireError("server frame is masked")
        size = head[1] & 0x7F
        if size == 126:
            size = struct.unpack("!H", await asyncio.wait_for(self.reader.readexactly(2),
                                                              timeout))[0]
        elif size == 127:
            size = struct.unpack("!Q", await asyncio.wait_for(self.reader.readexactly(8),
                                                              timeout))[0]
        payload = await asyncio.wait_for(self.reader.readexactly(size), timeout)
        return bool(head[0] & 0x80), head[0] & 0x0F, payload

    async def recv_data(self, timeout=5.0):
        """The next text message's payload, skipping nothing: a non-text frame is an error."""
        fin, opcode, payload = await self.recv(timeout)
        if opcode != TEXT or not fin:
            raise WireError(f"expected a whole text frame, got opcode {opcode:#x} fin={fin} "
                            f"{payload[:200]!r}")
        return payload

    async def expect_close(self, code, timeout=5.0, reply=True):
        """Reads frames (text ones are skipped: the server may have been sending) until a Close,
        checks its code, answers it with a Close as a client must (RFC 6455 5.5.1; `reply`
        False when the client sent its Close first), then checks that the server closes the
        TCP connection."""
        end = asyncio.get_running_loop().time() + timeout
        while True:
            left = end - asyncio.get_running_loop().time()
            try:
                fin, opcode, payload = await self.recv(max(left, 0.01))
            except asyncio.IncompleteReadError:
                raise WireError(f"connection closed without a Close frame (expected {code})")
            except asyncio.TimeoutError:
                raise WireError(f"no Close frame within {timeout:g} s (expected {code})")
            if opcode == CLOSE:
                got = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                if got != code:
                    raise WireError(f"Close code {got} (reason {payload[2:]!r}), expected {code}")
                if reply:
                    try:
                        await self.send(CLOSE, payload[:2])
                    except OSError:
                        pass  # the server may have closed already: it need not wait for it
                await self.expect_eof(timeout)
                return payload[2:].decode(errors="replace")
            if opcode not in (TEXT, PING):
                raise WireError(f"frame {opcode:#x} {payload[:100]!r} while waiting for Close")

    async def expect_eof(self, timeout=5.0):
        try:
            rest = await asyncio.wait_for(self.reader.read(65536), timeout)
        except ConnectionResetError:
            return
        except asyncio.TimeoutError:
            raise WireError(f"TCP connection still open {timeout:g} s after the Close")
        if rest:
            raise WireError(f"bytes after the server's Close: {rest[:100]!r}")

    def close(self):
        self.writer.close()
