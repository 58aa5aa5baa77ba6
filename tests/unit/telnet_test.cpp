#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <string_view>

#include "shared/telnet.hpp"

using parley::TelnetFilter;
using namespace std::string_literals;

namespace {

// Telnet bytes, spelled out so no hex escape swallows a following letter.
constexpr char IAC = '\xff';
constexpr char DONT = '\xfe';
constexpr char DO = '\xfd';
constexpr char WONT = '\xfc';
constexpr char WILL = '\xfb';
constexpr char SB = '\xfa';
constexpr char GA = '\xf9';
constexpr char EL = '\xf8';
constexpr char EC = '\xf7';
constexpr char AYT = '\xf6';
constexpr char AO = '\xf5';
constexpr char IP = '\xf4';
constexpr char BRK = '\xf3';
constexpr char DM = '\xf2';
constexpr char NOP = '\xf1';
constexpr char SE = '\xf0';
constexpr char ABORT = '\xee';
constexpr char EOF_ = '\xec';
constexpr char ECHO = '\x01';
constexpr char SGA = '\x03';
constexpr char TTYPE = '\x18';
constexpr char NAWS = '\x1f';

std::string b(std::initializer_list<char> bytes) {
    return std::string(bytes);
}

struct Result {
    std::string data;
    std::string replies;
    bool interrupt = false;
};

Result run(TelnetFilter& f, std::string_view chunk) {
    Result r;
    const auto out = f.filter(chunk, r.replies);
    r.data = std::string(out.data);
    r.interrupt = out.interrupt;
    return r;
}

Result run(std::string_view chunk) {
    TelnetFilter f;
    return run(f, chunk);
}

// Feeds `input` in pieces of `step` bytes (step 0: split at `at` into two) and merges the output.
Result run_split(std::string_view input, std::size_t step, std::size_t at = 0) {
    TelnetFilter f;
    Result all;
    auto take = [&](std::string_view chunk) {
        const auto out = f.filter(chunk, all.replies);
        all.data.append(out.data);
        all.interrupt = all.interrupt || out.interrupt;
    };
    if (step == 0) {
        take(input.substr(0, at));
        take(input.substr(at));
    } else {
        for (std::size_t i = 0; i < input.size(); i += step) {
            take(input.substr(i, step));
        }
    }
    return all;
}

}  // namespace

TEST_CASE("TelnetFilter passes plain data through without copying", "[telnet]") {
    TelnetFilter f;
    std::string replies;
    const std::string chunk = "hello world\r\n";
    const auto out = f.filter(chunk, replies);
    CHECK(out.data == chunk);
    CHECK(out.data.data() == chunk.data());
    CHECK(out.data.size() == chunk.size());
    CHECK_FALSE(out.interrupt);
    CHECK(replies.empty());
}

TEST_CASE("TelnetFilter handles an empty chunk", "[telnet]") {
    TelnetFilter f;
    std::string replies;
    const auto out = f.filter(std::string_view{}, replies);
    CHECK(out.data.empty());
    CHECK_FALSE(out.interrupt);
    CHECK(replies.empty());
    // An empty chunk between a CR and a NUL does not lose the CR state.
    CHECK(run(f, "a\r").data == "a\r");
    CHECK(run(f, "").data.empty());
    CHECK(run(f, "\0b"s).data == "b");
}

TEST_CASE("TelnetFilter: IAC IAC is a literal 0xFF byte", "[telnet]") {
    const auto r = run("a" + b({IAC, IAC}) + "b");
    CHECK(r.data ==
          "a\xff"
          "b");
    CHECK(r.replies.empty());
    CHECK(run(b({IAC, IAC, IAC, IAC})).data == "\xff\xff");
    CHECK(run(b({IAC, IAC, IAC, NOP})).data == "\xff");
}

TEST_CASE("TelnetFilter refuses every option", "[telnet]") {
    SECTION("WILL is answered with DONT") {
        const auto r = run("a" + b({IAC, WILL, ECHO}) + "b");
        CHECK(r.data == "ab");
        CHECK(r.replies == b({IAC, DONT, ECHO}));
    }
    SECTION("DO is answered with WONT") {
        const auto r = run("a" + b({IAC, DO, SGA}) + "b");
        CHECK(r.data == "ab");
        CHECK(r.replies == b({IAC, WONT, SGA}));
    }
    SECTION("WONT and DONT are not answered") {
        const auto r = run("a" + b({IAC, WONT, ECHO, IAC, DONT, SGA}) + "b");
        CHECK(r.data == "ab");
        CHECK(r.replies.empty());
    }
    SECTION("several negotiations in one chunk are answered in order") {
        const auto r = run(b({IAC, DO, ECHO, IAC, WILL, NAWS, IAC, DO, IAC, IAC, WILL, '\0'}));
        CHECK(r.data.empty());
        CHECK(r.replies == b({IAC, WONT, ECHO, IAC, DONT, NAWS, IAC, WONT, IAC, IAC, DONT, '\0'}));
    }
    SECTION("replies are appended to what the caller already has") {
        TelnetFilter f;
        std::string replies = "queued";
        f.filter(b({IAC, WILL, ECHO}), replies);
        CHECK(replies == "queued" + b({IAC, DONT, ECHO}));
    }
    SECTION("the option byte is not data even when it looks like text") {
        const auto r = run(b({IAC, WILL}) + "xy");
        CHECK(r.data == "y");
        CHECK(r.replies == b({IAC, DONT, 'x'}));
    }
}

TEST_CASE("TelnetFilter reports the interrupting commands", "[telnet]") {
    for (char cmd : {IP, ABORT, EOF_, BRK}) {
        CAPTURE(static_cast<int>(static_cast<unsigned char>(cmd)));
        const auto r = run("ab" + b({IAC, cmd}) + "cd");
        CHECK(r.interrupt);
        CHECK(r.data == "abcd");
        CHECK(r.replies.empty());
    }
}

TEST_CASE("TelnetFilter drops other two-byte commands silently", "[telnet]") {
    for (char cmd : {NOP, DM, AYT, AO, EC, EL, GA, SE, 'x', '\0', '\r'}) {
        CAPTURE(static_cast<int>(static_cast<unsigned char>(cmd)));
        const auto r = run("ab" + b({IAC, cmd}) + "cd");
        CHECK_FALSE(r.interrupt);
        CHECK(r.data == "abcd");
        CHECK(r.replies.empty());
    }
}

TEST_CASE("TelnetFilter interrupt is reported for the chunk that holds it only", "[telnet]") {
    TelnetFilter f;
    CHECK(run(f, b({IAC, IP})).interrupt);
    CHECK_FALSE(run(f, "after").interrupt);
    CHECK_FALSE(run(f, b({IAC, NOP})).interrupt);
    CHECK(run(f, b({IAC})).interrupt == false);
    CHECK(run(f, b({IP})).interrupt);
}

TEST_CASE("TelnetFilter discards subnegotiation", "[telnet]") {
    SECTION("terminal type") {
        const auto r = run("a" + b({IAC, SB, TTYPE, '\0'}) + "xterm" + b({IAC, SE}) + "b");
        CHECK(r.data == "ab");
        CHECK(r.replies.empty());
    }
    SECTION("window size with an escaped 0xFF in the payload") {
        const auto r = run(b({IAC, SB, NAWS, '\0', IAC, IAC, '\0', '\x18', IAC, SE}) + "hi");
        CHECK(r.data == "hi");
    }
    SECTION("commands like IP inside the payload are not seen as data") {
        const auto r = run(b({IAC, SB, TTYPE, IP, WILL, ECHO, IAC, SE}) + "z");
        CHECK(r.data == "z");
        CHECK_FALSE(r.interrupt);
        CHECK(r.replies.empty());
    }
    SECTION("a long payload over many chunks produces nothing and is not buffered") {
        TelnetFilter f;
        CHECK(run(f, b({IAC, SB, TTYPE})).data.empty());
        const std::string payload(65536, 'p');
        for (int i = 0; i < 64; ++i) {
            const auto r = run(f, payload);
            CHECK(r.data.empty());
        }
        CHECK(run(f, b({IAC, SE}) + "back").data == "back");
    }
    SECTION("an unterminated subnegotiation still lets IAC IP through") {
        const auto r = run(b({IAC, SB, TTYPE}) + "junk" + b({IAC, IP}) + "after");
        CHECK(r.interrupt);
        CHECK(r.data == "after");
    }
    SECTION("a bad IAC inside a subnegotiation ends it and is taken as a command") {
        const auto r = run(b({IAC, SB, TTYPE, 'x', IAC, WILL, ECHO}) + "ok");
        CHECK(r.data == "ok");
        CHECK(r.replies == b({IAC, DONT, ECHO}));
    }
}

TEST_CASE("TelnetFilter drops the NUL after a CR", "[telnet]") {
    CHECK(run("a\r\0b"s).data == "a\rb");
    CHECK(run("a\r\0"s).data == "a\r");
    CHECK(run("\r\0\r\0"s).data == "\r\r");
    SECTION("only the first NUL after a CR") {
        CHECK(run("\r\0\0"s).data == "\r\0"s);
    }
    SECTION("a NUL elsewhere is data") {
        CHECK(run("a\0b"s).data == "a\0b"s);
        CHECK(run("\0"s).data == "\0"s);
        CHECK(run("\n\0"s).data == "\n\0"s);
    }
    SECTION("CR LF is untouched") {
        CHECK(run("a\r\nb\r\n").data == "a\r\nb\r\n");
    }
    SECTION("the CR ends one chunk and the NUL starts the next") {
        TelnetFilter f;
        CHECK(run(f, "a\r").data == "a\r");
        CHECK(run(f, "\0b"s).data == "b");
        CHECK(run(f, "\0c"s).data == "\0c"s);
    }
    SECTION("a chunk that is only the NUL") {
        TelnetFilter f;
        CHECK(run(f, "a\r").data == "a\r");
        CHECK(run(f, "\0"s).data.empty());
        CHECK(run(f, "\0"s).data == "\0"s);
    }
    SECTION("around telnet commands") {
        CHECK(run("a\r\0"s + b({IAC, NOP}) + "\r\0b"s).data == "a\r\rb");
        CHECK(run("\r" + b({IAC, IAC}) + "\0"s).data == "\r\xff\0"s);
        // A command between the CR and the NUL ends the CR NUL pair: the NUL is data.
        CHECK(run("\r" + b({IAC, NOP}) + "\0"s).data == "\r\0"s);
        // A CR or NUL as an option byte is not data and forms no pair.
        CHECK(run(b({IAC, WILL, '\r'}) + "\0"s).data == "\0"s);
    }
}

TEST_CASE("TelnetFilter returns to the zero-copy path after telnet bytes", "[telnet]") {
    TelnetFilter f;
    std::string replies;
    const std::string first = "x" + b({IAC, WILL, ECHO});
    const auto a = f.filter(first, replies);
    CHECK(a.data == "x");
    const std::string second = "plain text";
    const auto c = f.filter(second, replies);
    CHECK(c.data.data() == second.data());
    CHECK(c.data.size() == second.size());
}

TEST_CASE("TelnetFilter after a CR still avoids copying when there is no NUL", "[telnet]") {
    TelnetFilter f;
    std::string replies;
    const std::string first = "line\r";
    CHECK(f.filter(first, replies).data.data() == first.data());
    const std::string second = "\nnext";
    CHECK(f.filter(second, replies).data.data() == second.data());
}

TEST_CASE("TelnetFilter recognises commands split between chunks", "[telnet]") {
    const std::string input = "he" + b({IAC, WILL, ECHO}) + "l" + b({IAC, IAC}) + "lo\r\0"s +
                              b({IAC, SB, TTYPE, '\0', IAC, IAC}) + "vt100" + b({IAC, SE}) +
                              b({IAC, DO, SGA, IAC, NOP, IAC, WONT, ECHO}) + "\r" + "\0"s +
                              "wor\0ld"s + b({IAC, IP}) + "\r\n";
    const std::string data =
        "hel\xff"
        "lo\r\rwor\0ld\r\n"s;
    const std::string replies = b({IAC, DONT, ECHO, IAC, WONT, SGA});

    const auto whole = run(input);
    CHECK(whole.data == data);
    CHECK(whole.replies == replies);
    CHECK(whole.interrupt);

    for (std::size_t step = 1; step <= input.size(); ++step) {
        CAPTURE(step);
        const auto r = run_split(input, step);
        CHECK(r.data == data);
        CHECK(r.replies == replies);
        CHECK(r.interrupt);
    }
    for (std::size_t at = 0; at <= input.size(); ++at) {
        CAPTURE(at);
        const auto r = run_split(input, 0, at);
        CHECK(r.data == data);
        CHECK(r.replies == replies);
        CHECK(r.interrupt);
    }
}

TEST_CASE("TelnetFilter byte by byte: IAC at the end of a chunk", "[telnet]") {
    TelnetFilter f;
    CHECK(run(f, "a" + b({IAC})).data == "a");
    const auto r = run(f, b({WILL}));
    CHECK(r.data.empty());
    CHECK(r.replies.empty());
    const auto r2 = run(f, b({ECHO}) + "b");
    CHECK(r2.data == "b");
    CHECK(r2.replies == b({IAC, DONT, ECHO}));
}

TEST_CASE("TelnetFilter output is valid until the next call", "[telnet]") {
    TelnetFilter f;
    std::string replies;
    const std::string chunk = "ab" + b({IAC, NOP}) + "cd";
    const auto out = f.filter(chunk, replies);
    CHECK(out.data == "abcd");
    // Copied into the filter's buffer, not a view into the chunk.
    CHECK((out.data.data() < chunk.data() || out.data.data() >= chunk.data() + chunk.size()));
}

TEST_CASE("TelnetFilter handles big chunks with telnet bytes one after another", "[telnet]") {
    TelnetFilter f;
    const std::string big(100000, 'q');
    for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        const auto r = run(f, big + b({IAC, IAC, IAC, DO, ECHO}) + big);
        CHECK(r.data.size() == 2 * big.size() + 1);
        CHECK(r.data == big + "\xff" + big);
        CHECK(r.replies == b({IAC, WONT, ECHO}));
        CHECK(run(f, "a" + b({IAC, NOP}) + "b").data == "ab");
    }
    const std::string plain = "plain";
    std::string replies;
    const auto out = f.filter(plain, replies);
    CHECK(out.data.data() == plain.data());
}
