#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/text.hpp"
#include "shared/websocket/frame.hpp"

using namespace parley::ws;
using Kind = Incoming::Kind;

namespace {

constexpr std::array<std::uint8_t, 4> rfc_mask = {0x37, 0xfa, 0x21, 0x3d};

std::string bytes(std::initializer_list<unsigned> list) {
    std::string s;
    for (unsigned b : list) {
        s.push_back(static_cast<char>(b));
    }
    return s;
}

// An Incoming with its views copied, to outlive the reader's next call.
struct Got {
    Kind kind;
    std::string payload;
    std::uint16_t code;
    std::string problem;
    bool operator==(const Got&) const = default;
};

Got copy(const Incoming& in) {
    return {in.kind, std::string(in.payload), in.code, std::string(in.problem)};
}

// Feeds `chunks` one after the other, draining the reader after each, as the server does.
std::vector<Got> read_chunks(const std::vector<std::string_view>& chunks, std::size_t max,
                             Role role) {
    MessageReader reader(max, role);
    std::vector<Got> got;
    Incoming in;
    for (std::string_view chunk : chunks) {
        reader.feed(chunk);
        while (reader.next(in)) {
            got.push_back(copy(in));
        }
    }
    return got;
}

// What the reader returns for `stream`, which must be the same fed whole and byte by byte.
std::vector<Got> read(std::string_view stream, std::size_t max = 1 << 20,
                      Role role = Role::server) {
    const std::vector<Got> whole = read_chunks({stream}, max, role);
    std::vector<std::string_view> single;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        single.push_back(stream.substr(i, 1));
    }
    CHECK(read_chunks(single, max, role) == whole);
    return whole;
}

std::vector<Got> read_client(std::string_view stream, std::size_t max = 1 << 20) {
    return read(stream, max, Role::client);
}

Got text(std::string_view s) {
    return {Kind::text, std::string(s), 0, ""};
}

Got binary(std::string_view s) {
    return {Kind::binary, std::string(s), 0, ""};
}

// The one thing the reader returns for `stream`, which must be a failure with `code`.
void check_failure(std::string_view stream, std::uint16_t code, std::size_t max = 1 << 20,
                   Role role = Role::server) {
    const std::vector<Got> got = read(stream, max, role);
    REQUIRE(!got.empty());
    CHECK(got.back().kind == Kind::failure);
    CHECK(got.back().code == code);
    CHECK(!got.back().problem.empty());
}

std::string masked(Opcode op, std::string_view payload, bool fin = true) {
    return masked_frame(op, payload, rfc_mask, fin);
}

std::string masked_close(std::uint16_t code, std::string_view reason) {
    return masked(Opcode::close,
                  bytes({static_cast<unsigned>(code >> 8), code & 0xFFu}) + std::string(reason));
}

}  // namespace

TEST_CASE("websocket: RFC 6455 5.7, a single-frame unmasked text message") {
    const std::string hello = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
    CHECK(frame(Opcode::text, "Hello") == hello);
    CHECK(read_client(hello) == std::vector{text("Hello")});
    // The server takes no unmasked frame.
    check_failure(hello, close_code::protocol_error);
}

TEST_CASE("websocket: RFC 6455 5.7, a single-frame masked text message") {
    const std::string hello =
        bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    CHECK(masked_frame(Opcode::text, "Hello", rfc_mask) == hello);
    CHECK(read(hello) == std::vector{text("Hello")});
    // A client takes no masked frame.
    check_failure(hello, close_code::protocol_error, 1 << 20, Role::client);
}

TEST_CASE("websocket: RFC 6455 5.7, a fragmented unmasked text message") {
    const std::string hel = bytes({0x01, 0x03, 0x48, 0x65, 0x6c});
    const std::string lo = bytes({0x80, 0x02, 0x6c, 0x6f});
    CHECK(read_client(hel + lo) == std::vector{text("Hello")});
    // Masked, to the server, the same.
    CHECK(read(masked(Opcode::text, "Hel", false) + masked(Opcode::continuation, "lo")) ==
          std::vector{text("Hello")});
}

TEST_CASE("websocket: RFC 6455 5.7, unmasked ping and masked pong") {
    const std::string ping = bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
    CHECK(frame(Opcode::ping, "Hello") == ping);
    CHECK(read_client(ping) == std::vector{Got{Kind::ping, "Hello", 0, ""}});
    const std::string pong =
        bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    CHECK(masked_frame(Opcode::pong, "Hello", rfc_mask) == pong);
    CHECK(read(pong) == std::vector{Got{Kind::pong, "Hello", 0, ""}});
}

TEST_CASE("websocket: RFC 6455 5.7, 256-byte and 64 KiB binary messages in one frame") {
    const std::string b256(256, '\x5a');
    const std::string f256 = frame(Opcode::binary, b256);
    CHECK(f256.substr(0, 4) == bytes({0x82, 0x7E, 0x01, 0x00}));
    CHECK(f256.size() == 4 + 256);
    CHECK(read_client(f256) == std::vector{binary(b256)});

    std::string b64k(65536, '\0');
    for (std::size_t i = 0; i < b64k.size(); ++i) {
        b64k[i] = static_cast<char>(i * 7);
    }
    const std::string f64k = frame(Opcode::binary, b64k);
    CHECK(f64k.substr(0, 10) ==
          bytes({0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}));
    CHECK(f64k.size() == 10 + 65536);
    CHECK(read_client(f64k) == std::vector{binary(b64k)});
    CHECK(read(masked(Opcode::binary, b64k)) == std::vector{binary(b64k)});
}

TEST_CASE("websocket: writers use the shortest length encoding") {
    CHECK(header_size(0) == 2);
    CHECK(header_size(125) == 2);
    CHECK(header_size(126) == 4);
    CHECK(header_size(65535) == 4);
    CHECK(header_size(65536) == 10);
    for (std::size_t size : {0, 1, 125, 126, 127, 65535, 65536, 70000}) {
        const std::string payload(size, 'x');
        const std::string f = frame(Opcode::text, payload);
        CHECK(f.size() == header_size(size) + size);
        CHECK(read_client(f, 1 << 20) == std::vector{text(payload)});
        const std::string m = masked(Opcode::text, payload);
        CHECK(m.size() == header_size(size) + 4 + size);
        CHECK(read(m) == std::vector{text(payload)});
    }
    std::string out = "prefix";
    append_frame(out, Opcode::pong, "ab");
    CHECK(out == "prefix" + bytes({0x8A, 0x02, 'a', 'b'}));
}

TEST_CASE("websocket: reserved bits are a protocol error") {
    for (unsigned rsv : {0x40u, 0x20u, 0x10u}) {
        std::string f = masked(Opcode::text, "hi");
        f[0] = static_cast<char>(f[0] | rsv);
        check_failure(f, close_code::protocol_error);
    }
}

TEST_CASE("websocket: unknown opcodes are a protocol error") {
    for (unsigned op : {0x3u, 0x4u, 0x5u, 0x6u, 0x7u, 0xBu, 0xCu, 0xDu, 0xEu, 0xFu}) {
        std::string f = masked(Opcode::text, "hi");
        f[0] = static_cast<char>(0x80 | op);
        check_failure(f, close_code::protocol_error);
    }
}

TEST_CASE("websocket: control frames over 125 bytes or without FIN are a protocol error") {
    CHECK(read(masked(Opcode::ping, std::string(125, 'p'))) ==
          std::vector{Got{Kind::ping, std::string(125, 'p'), 0, ""}});
    for (Opcode op : {Opcode::ping, Opcode::pong, Opcode::close}) {
        check_failure(masked(op, std::string(126, 'p')), close_code::protocol_error);
        check_failure(masked(op, "", false), close_code::protocol_error);
    }
    // Decided from the first two bytes: nothing more is waited for.
    CHECK(read(bytes({0x89, 0xFE})).size() == 1);
    CHECK(read(bytes({0x09, 0x80})).size() == 1);
}

TEST_CASE("websocket: masking must match the role") {
    check_failure(frame(Opcode::text, "hi"), close_code::protocol_error, 100, Role::server);
    check_failure(masked(Opcode::text, "hi"), close_code::protocol_error, 100, Role::client);
    check_failure(frame(Opcode::ping, ""), close_code::protocol_error, 100, Role::server);
}

TEST_CASE("websocket: continuation without a message, or a message inside one, is an error") {
    check_failure(masked(Opcode::continuation, "lo"), close_code::protocol_error);
    check_failure(masked(Opcode::continuation, "lo", false), close_code::protocol_error);
    check_failure(masked(Opcode::text, "Hel", false) + masked(Opcode::text, "lo"),
                  close_code::protocol_error);
    check_failure(masked(Opcode::binary, "Hel", false) + masked(Opcode::text, "lo", false),
                  close_code::protocol_error);
    // After a whole fragmented message, a continuation is outside again.
    const auto got = read(masked(Opcode::text, "a", false) + masked(Opcode::continuation, "b") +
                          masked(Opcode::continuation, "c"));
    REQUIRE(got.size() == 2);
    CHECK(got[0] == text("ab"));
    CHECK(got[1].kind == Kind::failure);
    CHECK(got[1].code == close_code::protocol_error);
}

TEST_CASE("websocket: a 64-bit length with the top bit set is a protocol error") {
    check_failure(bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}), close_code::protocol_error);
    check_failure(bytes({0x82, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}),
                  close_code::protocol_error, 100, Role::client);
}

TEST_CASE("websocket: the size limit, at exactly max and max + 1, from the header alone") {
    const std::size_t max = 300;
    CHECK(read(masked(Opcode::text, std::string(max, 'a')), max) ==
          std::vector{text(std::string(max, 'a'))});
    check_failure(masked(Opcode::text, std::string(max + 1, 'a')), close_code::too_big, max);
    // The header is enough: the payload is never waited for.
    check_failure(masked(Opcode::binary, std::string(max + 1, 'a')).substr(0, 8),
                  close_code::too_big, max);
    check_failure(bytes({0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}),
                  close_code::too_big, max);
    // Over all the fragments of a message.
    const std::string first = masked(Opcode::text, std::string(200, 'a'), false);
    CHECK(read(first + masked(Opcode::continuation, std::string(100, 'b')), max) ==
          std::vector{text(std::string(200, 'a') + std::string(100, 'b'))});
    const std::string over = masked(Opcode::continuation, std::string(101, 'b'));
    check_failure(first + over, close_code::too_big, max);
    check_failure(first + over.substr(0, 8), close_code::too_big, max);
    // Control frames do not count, even with a tiny limit.
    CHECK(read(masked(Opcode::ping, std::string(125, 'p')), 10).size() == 1);
    CHECK(read(masked(Opcode::text, std::string(10, 'a'), false) + masked(Opcode::ping, "p") +
                   masked(Opcode::continuation, ""),
               10) == std::vector{Got{Kind::ping, "p", 0, ""}, text(std::string(10, 'a'))});
}

TEST_CASE("websocket: control frames between the fragments of a message") {
    const std::string stream = masked(Opcode::text, "Hel", false) + masked(Opcode::ping, "1") +
                               masked(Opcode::continuation, "l", false) +
                               masked(Opcode::pong, "2") + masked(Opcode::continuation, "o");
    CHECK(read(stream) ==
          std::vector{Got{Kind::ping, "1", 0, ""}, Got{Kind::pong, "2", 0, ""}, text("Hello")});
    // A Close in the middle ends the reader: the message is never returned.
    CHECK(read(masked(Opcode::text, "Hel", false) + masked_close(1000, "bye") +
               masked(Opcode::continuation, "lo")) ==
          std::vector{Got{Kind::close, "bye", 1000, ""}});
}

TEST_CASE("websocket: text must be UTF-8, checked fragment by fragment") {
    check_failure(masked(Opcode::text, "caf\xC3"), close_code::invalid_data);
    check_failure(masked(Opcode::text, "\xED\xA0\x80"), close_code::invalid_data);  // surrogate
    check_failure(masked(Opcode::text, "\xC0\xAF"), close_code::invalid_data);      // overlong
    // Binary is not checked: the server decides what to do with it (close 1003).
    CHECK(read(masked(Opcode::binary, "\xFF\xC3")) == std::vector{binary("\xFF\xC3")});

    // A valid character split across fragments, at every point.
    const std::string valid =
        "a\xC3\xA9"
        "b\xE2\x82\xAC"
        "c\xF0\x9F\x98\x80"
        "d";
    for (std::size_t cut = 0; cut <= valid.size(); ++cut) {
        CAPTURE(cut);
        CHECK(read(masked(Opcode::text, valid.substr(0, cut), false) +
                   masked(Opcode::continuation, valid.substr(cut))) == std::vector{text(valid)});
    }
    // Invalid text split anywhere is refused, whichever fragment shows it.
    for (std::string bad : {"a\xC3(b", "\xE0\x80\x80", "\xED\xBF\xBF", "\xF4\x90\x80\x80",
                            "x\xF0\x9F\x98", "\xF5\x80\x80\x80", "ok\x80", "\xC3\xA9\xA9"}) {
        for (std::size_t cut = 0; cut <= bad.size(); ++cut) {
            CAPTURE(bad, cut);
            check_failure(masked(Opcode::text, bad.substr(0, cut), false) +
                              masked(Opcode::continuation, bad.substr(cut)),
                          close_code::invalid_data);
        }
    }
    // Fail fast: a fragment that cannot begin valid text fails before the message ends.
    check_failure(masked(Opcode::text, "ab\xFF", false), close_code::invalid_data);
    check_failure(masked(Opcode::text, "ab\xE0\x80", false), close_code::invalid_data);
    // A sequence begun and never finished: refused at the final fragment only.
    const std::string open = masked(Opcode::text, "ab\xF0\x9F", false);
    CHECK(read(open).empty());
    check_failure(open + masked(Opcode::continuation, "\x98"), close_code::invalid_data);
    check_failure(open + masked(Opcode::continuation, ""), close_code::invalid_data);
    // Three fragments, the character's bytes in all three.
    CHECK(read(masked(Opcode::text, "\xF0", false) +
               masked(Opcode::continuation, "\x9F\x98", false) +
               masked(Opcode::continuation, "\x80")) == std::vector{text("\xF0\x9F\x98\x80")});
}

TEST_CASE("websocket: a Close frame's code and reason") {
    CHECK(read(masked(Opcode::close, "")) ==
          std::vector{Got{Kind::close, "", close_code::no_status, ""}});
    CHECK(read(masked_close(1000, "")) == std::vector{Got{Kind::close, "", 1000, ""}});
    CHECK(read(masked_close(4000, "d\xC3\xA9j\xC3\xA0")) ==
          std::vector{Got{Kind::close, "d\xC3\xA9j\xC3\xA0", 4000, ""}});
    check_failure(masked(Opcode::close, "\x03"), close_code::protocol_error);
    for (unsigned code :
         {0u, 999u, 1004u, 1005u, 1006u, 1015u, 1016u, 2000u, 2999u, 5000u, 65535u}) {
        CAPTURE(code);
        check_failure(masked_close(static_cast<std::uint16_t>(code), ""),
                      close_code::protocol_error);
    }
    for (unsigned code : {1000u, 1001u, 1002u, 1003u, 1007u, 1011u, 1014u, 3000u, 4999u}) {
        CAPTURE(code);
        CHECK(read(masked_close(static_cast<std::uint16_t>(code), "r")) ==
              std::vector{Got{Kind::close, "r", static_cast<std::uint16_t>(code), ""}});
    }
    check_failure(masked_close(1000, "bad \xC3"), close_code::invalid_data);
    // From a server, unmasked, to a client.
    CHECK(read_client(close_frame(close_code::going_away, "the server is shutting down")) ==
          std::vector{Got{Kind::close, "the server is shutting down", 1001, ""}});
}

TEST_CASE("websocket: valid_close_code follows RFC 6455 7.4") {
    for (unsigned code = 0; code <= 65535; ++code) {
        const bool expected = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                              (code >= 3000 && code <= 4999);
        if (valid_close_code(static_cast<std::uint16_t>(code)) != expected) {
            FAIL("valid_close_code(" << code << ")");
        }
    }
    CHECK(valid_close_code(close_code::normal));
    CHECK(valid_close_code(close_code::try_again_later));
    CHECK(!valid_close_code(close_code::no_status));
}

TEST_CASE("websocket: after a failure or a Close the reader takes nothing more") {
    MessageReader reader(100);
    Incoming in;
    reader.feed(masked(Opcode::ping, "a") + masked_close(1000, "bye") + masked(Opcode::ping, "b"));
    REQUIRE(reader.next(in));
    CHECK(in.kind == Kind::ping);
    CHECK(!reader.done());
    REQUIRE(reader.next(in));
    CHECK(in.kind == Kind::close);
    CHECK(in.payload == "bye");
    CHECK(reader.done());
    CHECK(!reader.next(in));
    reader.feed(masked(Opcode::ping, "c"));
    CHECK(!reader.next(in));
    CHECK(reader.done());

    MessageReader failed(100);
    failed.feed(frame(Opcode::text, "unmasked") + masked(Opcode::ping, "a"));
    REQUIRE(failed.next(in));
    CHECK(in.kind == Kind::failure);
    CHECK(in.code == close_code::protocol_error);
    CHECK(failed.done());
    CHECK(!failed.next(in));
    failed.feed(masked(Opcode::text, "hi"));
    CHECK(!failed.next(in));
}

TEST_CASE("websocket: views stay valid until the next call, over several frames per read") {
    MessageReader reader(1000);
    Incoming first;
    Incoming second;
    reader.feed(masked(Opcode::text, "one") + masked(Opcode::text, "t", false) +
                masked(Opcode::continuation, "wo") + masked(Opcode::text, "thr"));
    REQUIRE(reader.next(first));
    CHECK(first.payload == "one");
    REQUIRE(reader.next(second));
    CHECK(second.payload == "two");
    REQUIRE(reader.next(first));
    CHECK(first.payload == "thr");
    CHECK(!reader.next(first));
    // A frame cut across reads, with a whole one before it.
    const std::string big = masked(Opcode::binary, std::string(1000, 'z'));
    CHECK(reader.buffered() == 0);
    reader.feed(masked(Opcode::text, "x") + big.substr(0, 500));
    REQUIRE(reader.next(first));
    CHECK(first.payload == "x");
    CHECK(!reader.next(first));
    CHECK(reader.buffered() == 500);  // only the unfinished frame
    reader.feed(big.substr(500));
    REQUIRE(reader.next(first));
    CHECK(first.payload == std::string(1000, 'z'));
    CHECK(!reader.next(first));
    CHECK(reader.buffered() == 0);
}

TEST_CASE("websocket: what a reader holds is bounded by the limit and released when idle") {
    const std::size_t max = 300;
    MessageReader reader(max);
    Incoming in;
    reader.feed(masked(Opcode::text, std::string(200, 'a'), false));
    CHECK(!reader.next(in));
    CHECK(reader.buffered() == 200);  // the fragment, unmasked, and no frame bytes
    // The rest of the message, 100 bytes, and a ping cut short: fragments, the ping's header
    // and the part of its payload that came.
    const std::string rest = masked(Opcode::continuation, std::string(100, 'b'), false);
    const std::string ping = masked(Opcode::ping, std::string(125, 'p'));
    reader.feed(rest + ping.substr(0, ping.size() - 1));
    CHECK(!reader.next(in));
    CHECK(reader.buffered() == 300 + ping.size() - 1);
    CHECK(reader.buffered() <= max + 14 + 125);
    reader.feed(ping.substr(ping.size() - 1) + masked(Opcode::continuation, ""));
    REQUIRE(reader.next(in));
    CHECK(in.kind == Kind::ping);
    REQUIRE(reader.next(in));
    CHECK(in.payload.size() == 300);
    CHECK(!reader.next(in));
    CHECK(reader.buffered() == 0);
    // A frame over the limit is refused before its payload is kept.
    reader = MessageReader(max);
    reader.feed(masked(Opcode::binary, std::string(max + 1, 'x')).substr(0, 4));
    REQUIRE(reader.next(in));
    CHECK(in.code == close_code::too_big);
    CHECK(!reader.next(in));
    CHECK(reader.buffered() == 0);
}

TEST_CASE("websocket: every split of a stream into two reads gives the same messages") {
    const std::string stream = masked(Opcode::text, "Hel", false) + masked(Opcode::ping, "p") +
                               masked(Opcode::continuation, "lo") +
                               masked(Opcode::binary, std::string(300, 'b')) +
                               masked(Opcode::text, "\xC3\xA9") + masked_close(1000, "done");
    const auto whole = read(stream);
    REQUIRE(whole.size() == 5);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        const std::string_view s(stream);
        CHECK(read_chunks({s.substr(0, cut), s.substr(cut)}, 1 << 20, Role::server) == whole);
    }
}

TEST_CASE("websocket: close_frame cuts the reason at a UTF-8 boundary within 123 bytes") {
    CHECK(close_frame(1000, "") == bytes({0x88, 0x02, 0x03, 0xE8}));
    CHECK(close_frame(close_code::no_status, "ignored") == bytes({0x88, 0x00}));
    const std::string exact(123, 'a');
    CHECK(read_client(close_frame(1000, exact)) == std::vector{Got{Kind::close, exact, 1000, ""}});
    CHECK(read_client(close_frame(1000, exact + "b")) ==
          std::vector{Got{Kind::close, exact, 1000, ""}});
    // "é" at bytes 122-123 would be cut in half: it goes whole.
    const std::string accented = std::string(122, 'a') + "\xC3\xA9" + "z";
    const auto got = read_client(close_frame(1013, accented));
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload == std::string(122, 'a'));
    // A 4-byte character across the boundary.
    const std::string emoji = std::string(121, 'a') + "\xF0\x9F\x98\x80";
    CHECK(read_client(close_frame(1000, emoji))[0].payload == std::string(121, 'a'));
    for (std::size_t n = 100; n < 130; ++n) {
        std::string reason;
        while (reason.size() < n) {
            reason += "\xE2\x82\xAC";
        }
        const std::string f = close_frame(1000, reason);
        CHECK(f.size() <= 2 + 125);
        const auto r = read_client(f);
        REQUIRE(r.size() == 1);
        CHECK(r[0].kind == Kind::close);
        CHECK(parley::valid_utf8(r[0].payload));
    }
}
