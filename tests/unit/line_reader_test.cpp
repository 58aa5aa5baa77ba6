#include <catch2/catch.hpp>

#include <algorithm>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/line_reader.hpp"

using parley::LineReader;
using namespace std::string_literals;

namespace {

struct Event {
    LineReader::Kind kind;
    std::string text;
    bool operator==(const Event& o) const { return kind == o.kind && text == o.text; }
};

std::ostream& operator<<(std::ostream& os, const Event& e) {
    return os << (e.kind == LineReader::Kind::line ? "line(" : "overlong(") << e.text << ")";
}

Event line(std::string s) {
    return Event{LineReader::Kind::line, std::move(s)};
}
Event overlong() {
    return Event{LineReader::Kind::overlong, ""};
}

std::vector<Event> feed(LineReader& reader, std::string_view chunk) {
    std::vector<Event> out;
    reader.feed(chunk, [&](LineReader::Kind kind, std::string_view text) {
        out.push_back(Event{kind, std::string(text)});
    });
    return out;
}

// Feeds `input` in pieces of `step` bytes and collects every event.
std::vector<Event> feed_in_pieces(std::size_t max_line, std::string_view input, std::size_t step) {
    LineReader reader(max_line);
    std::vector<Event> out;
    for (std::size_t i = 0; i < input.size(); i += step) {
        for (auto& e : feed(reader, input.substr(i, step))) {
            out.push_back(std::move(e));
        }
    }
    return out;
}

// Feeds `input` split at `at` into two chunks.
std::vector<Event> feed_split(std::size_t max_line, std::string_view input, std::size_t at) {
    LineReader reader(max_line);
    auto out = feed(reader, input.substr(0, at));
    for (auto& e : feed(reader, input.substr(at))) {
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace

TEST_CASE("LineReader splits LF-terminated lines", "[line_reader]") {
    LineReader reader(100);
    CHECK(feed(reader, "hello\nworld\n") == std::vector<Event>{line("hello"), line("world")});
    CHECK(reader.pending() == 0);
}

TEST_CASE("LineReader drops one CR before LF", "[line_reader]") {
    LineReader reader(100);
    CHECK(feed(reader, "a\r\nb\r\n") == std::vector<Event>{line("a"), line("b")});
    CHECK(feed(reader, "c\r\r\n") == std::vector<Event>{line("c\r")});
    CHECK(feed(reader, "d\re\n") == std::vector<Event>{line("d\re")});
    CHECK(feed(reader, "\r\r\n") == std::vector<Event>{line("\r")});
}

TEST_CASE("LineReader delivers empty lines", "[line_reader]") {
    LineReader reader(100);
    CHECK(feed(reader, "\n\r\n\n") == std::vector<Event>{line(""), line(""), line("")});
    CHECK(reader.pending() == 0);
}

TEST_CASE("LineReader ignores an empty chunk", "[line_reader]") {
    LineReader reader(10);
    CHECK(feed(reader, "").empty());
    CHECK(feed(reader, "ab").empty());
    CHECK(feed(reader, "").empty());
    CHECK(reader.pending() == 2);
    CHECK(feed(reader, "\n") == std::vector<Event>{line("ab")});
}

TEST_CASE("LineReader keeps a partial line until its LF arrives", "[line_reader]") {
    LineReader reader(100);
    CHECK(feed(reader, "hel").empty());
    CHECK(reader.pending() == 3);
    CHECK(feed(reader, "lo\nwor") == std::vector<Event>{line("hello")});
    CHECK(reader.pending() == 3);
    CHECK(feed(reader, "ld") == std::vector<Event>{});
    CHECK(reader.pending() == 5);
    CHECK(feed(reader, "\r") == std::vector<Event>{});
    CHECK(feed(reader, "\nx\n") == std::vector<Event>{line("world"), line("x")});
    CHECK(reader.pending() == 0);
}

TEST_CASE("LineReader hands out views into the chunk for whole lines", "[line_reader]") {
    LineReader reader(100);
    const std::string chunk = "one\r\ntwo\n";
    std::vector<const char*> starts;
    reader.feed(chunk,
                [&](LineReader::Kind, std::string_view text) { starts.push_back(text.data()); });
    REQUIRE(starts.size() == 2);
    CHECK(starts[0] == chunk.data());
    CHECK(starts[1] == chunk.data() + 5);
}

TEST_CASE("LineReader gives the same lines however the stream is split", "[line_reader]") {
    const std::string input = "alpha\r\nbeta\n\n\r\ngamma delta\r\nlast\rline\n";
    const std::vector<Event> expected = {line("alpha"), line("beta"),        line(""),
                                         line(""),      line("gamma delta"), line("last\rline")};
    for (std::size_t max : {0u, 11u, 100u}) {
        CAPTURE(max);
        for (std::size_t at = 0; at <= input.size(); ++at) {
            CAPTURE(at);
            CHECK(feed_split(max, input, at) == expected);
        }
        for (std::size_t step = 1; step <= input.size(); ++step) {
            CAPTURE(step);
            CHECK(feed_in_pieces(max, input, step) == expected);
        }
    }
}

TEST_CASE("LineReader enforces the limit on the text, not the terminator", "[line_reader]") {
    LineReader reader(5);
    SECTION("exactly at the limit") {
        CHECK(feed(reader, "12345\n") == std::vector<Event>{line("12345")});
        CHECK(feed(reader, "12345\r\n") == std::vector<Event>{line("12345")});
    }
    SECTION("one byte over") {
        CHECK(feed(reader, "123456\n") == std::vector<Event>{overlong()});
        CHECK(feed(reader, "123456\r\n") == std::vector<Event>{overlong()});
    }
    SECTION("a CR that is not the terminator counts") {
        CHECK(feed(reader, "1234\r\r\n") == std::vector<Event>{line("1234\r")});
        CHECK(feed(reader, "12345\r\r\n") == std::vector<Event>{overlong()});
    }
    SECTION("the reader goes on after an overlong line in the same chunk") {
        CHECK(feed(reader, "1234567\nab\n") == std::vector<Event>{overlong(), line("ab")});
        CHECK(reader.pending() == 0);
    }
}

TEST_CASE("LineReader limit across chunks, at and just over the limit", "[line_reader]") {
    SECTION("at the limit without CR") {
        LineReader reader(5);
        CHECK(feed(reader, "123").empty());
        CHECK(feed(reader, "45").empty());
        CHECK(reader.pending() == 5);
        CHECK(feed(reader, "\n") == std::vector<Event>{line("12345")});
        CHECK(reader.pending() == 0);
    }
    SECTION("at the limit with the CR arriving before the LF") {
        LineReader reader(5);
        CHECK(feed(reader, "12345\r").empty());
        CHECK(reader.pending() == 6);
        CHECK(feed(reader, "\nok\n") == std::vector<Event>{line("12345"), line("ok")});
    }
    SECTION("at the limit with CR and LF in separate chunks after the text") {
        LineReader reader(5);
        CHECK(feed(reader, "12345").empty());
        CHECK(feed(reader, "\r").empty());
        CHECK(feed(reader, "\n") == std::vector<Event>{line("12345")});
    }
    SECTION("a byte after the held CR makes it overlong") {
        LineReader reader(5);
        CHECK(feed(reader, "12345\r").empty());
        CHECK(feed(reader, "x") == std::vector<Event>{overlong()});
        CHECK(reader.pending() == 0);
        CHECK(feed(reader, "\nok\n") == std::vector<Event>{line("ok")});
    }
    SECTION("a byte after the held CR, with the LF in the same chunk") {
        LineReader reader(5);
        CHECK(feed(reader, "12345\r").empty());
        CHECK(feed(reader, "x\nok\n") == std::vector<Event>{overlong(), line("ok")});
    }
    SECTION("a second CR makes it overlong") {
        LineReader reader(5);
        CHECK(feed(reader, "12345\r").empty());
        CHECK(feed(reader, "\r") == std::vector<Event>{overlong()});
        CHECK(feed(reader, "\n").empty());
        CHECK(feed(reader, "ok\n") == std::vector<Event>{line("ok")});
    }
    SECTION("one byte over without CR is reported as soon as it is known") {
        LineReader reader(5);
        CHECK(feed(reader, "123").empty());
        CHECK(feed(reader, "456") == std::vector<Event>{overlong()});
        CHECK(reader.pending() == 0);
    }
    SECTION("a line completed over the limit in the chunk with its LF") {
        LineReader reader(5);
        CHECK(feed(reader, "123").empty());
        CHECK(feed(reader, "456\nab\n") == std::vector<Event>{overlong(), line("ab")});
        CHECK(reader.pending() == 0);
    }
}

TEST_CASE("LineReader discards the rest of an overlong line, reporting it once", "[line_reader]") {
    LineReader reader(4);
    CHECK(feed(reader, "abcdefgh") == std::vector<Event>{overlong()});
    CHECK(reader.pending() == 0);
    for (int i = 0; i < 100; ++i) {
        CHECK(feed(reader, "more bytes without a newline").empty());
    }
    CHECK(reader.pending() == 0);
    CHECK(feed(reader, "tail\r\nnext\n") == std::vector<Event>{line("next")});
}

TEST_CASE("LineReader overlong lines fed byte by byte", "[line_reader]") {
    const std::string input = "1234567\r\nab\r\n12345\r\n123456\n\nxyz";
    const std::vector<Event> expected = {overlong(), line("ab"), line("12345"), overlong(),
                                         line("")};
    for (std::size_t step = 1; step <= input.size(); ++step) {
        CAPTURE(step);
        CHECK(feed_in_pieces(5, input, step) == expected);
    }
    for (std::size_t at = 0; at <= input.size(); ++at) {
        CAPTURE(at);
        CHECK(feed_split(5, input, at) == expected);
    }
}

TEST_CASE("LineReader pending stays bounded by the limit", "[line_reader]") {
    LineReader reader(64);
    std::size_t most = 0;
    std::size_t overlongs = 0;
    for (int i = 0; i < 1000; ++i) {
        reader.feed("0123456789", [&](LineReader::Kind kind, std::string_view) {
            overlongs += kind == LineReader::Kind::overlong;
        });
        most = std::max(most, reader.pending());
    }
    CHECK(most <= 65);
    CHECK(overlongs == 1);
}

TEST_CASE("LineReader releases the pending line once it is delivered", "[line_reader]") {
    LineReader reader(0);
    const std::string big(100000, 'x');
    CHECK(feed(reader, big).empty());
    CHECK(reader.pending() == big.size());
    const auto events = feed(reader, "\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].text == big);
    CHECK(reader.pending() == 0);
}

TEST_CASE("LineReader with max_line 0 is unlimited", "[line_reader]") {
    const std::string big(1 << 20, 'y');
    const std::string input = big + "\r\nshort\n" + big + "\n";
    for (std::size_t step : {std::size_t{1000}, std::size_t{4096}, input.size()}) {
        CAPTURE(step);
        const auto events = feed_in_pieces(0, input, step);
        REQUIRE(events.size() == 3);
        CHECK(events[0] == line(big));
        CHECK(events[1] == line("short"));
        CHECK(events[2] == line(big));
    }
}

TEST_CASE("LineReader passes NUL and other bytes through untouched", "[line_reader]") {
    LineReader reader(10);
    CHECK(feed(reader, "a\0b\xff\n"s) == std::vector<Event>{line("a\0b\xff"s)});
}
