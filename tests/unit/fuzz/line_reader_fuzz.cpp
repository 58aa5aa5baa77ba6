// Fuzzes LineReader (shared/line_reader.hpp), which frames a client's byte stream into lines.
//
// Input: the stream, then (taken from the end) the line limit and the seed of the cuts.
// Checks, beyond crashes and sanitizer reports:
// - the stream fed whole and fed in chunks cut at random gives the same lines and the same
//   overlong reports, in the same order;
// - both agree with a plain reference that cuts the whole stream at every LF;
// - no line holds an LF or is longer than the limit, an overlong report carries no text, and the
//   bytes held for an unfinished line never exceed the limit + 1 (memory is bounded).

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/line_reader.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

using parley::LineReader;

namespace {

// What a reader delivered, as one string: "L<line>\n" per line, "O\n" per overlong report
// (a line holds no LF, so this is unambiguous); one buffer keeps the fuzzer fast.
void record(std::string& log, LineReader::Kind kind, std::string_view line) {
    if (kind == LineReader::Kind::line) {
        log.push_back('L');
        log.append(line);
    } else {
        log.push_back('O');
    }
    log.push_back('\n');
}

std::string read(const std::vector<std::string_view>& chunks, std::size_t max_line) {
    LineReader reader(max_line);
    std::string log;
    for (const std::string_view chunk : chunks) {
        reader.feed(chunk, [&](LineReader::Kind kind, std::string_view line) {
            FUZZ_CHECK(line.find('\n') == std::string_view::npos);
            FUZZ_CHECK(max_line == 0 || line.size() <= max_line);
            FUZZ_CHECK(kind == LineReader::Kind::line || line.empty());
            record(log, kind, line);
        });
        FUZZ_CHECK(max_line == 0 || reader.pending() <= max_line + 1);
    }
    return log;
}

// The framing rules of docs/protocol.md applied to the whole stream at once.
std::string reference(std::string_view s, std::size_t max_line) {
    auto too_long = [&](std::size_t n) { return max_line != 0 && n > max_line; };
    std::string log;
    for (;;) {
        const std::size_t lf = s.find('\n');
        if (lf == std::string_view::npos) {
            // An unfinished line is reported as soon as it is too long, unless it is one byte
            // over and that byte is a CR that may still turn out to begin a CRLF.
            if (too_long(s.size()) && !(s.size() == max_line + 1 && s.back() == '\r')) {
                record(log, LineReader::Kind::overlong, {});
            }
            return log;
        }
        std::string_view line = s.substr(0, lf);
        s.remove_prefix(lf + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        record(log, too_long(line.size()) ? LineReader::Kind::overlong : LineReader::Kind::line,
               line);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    // Small limits, so that lines cross them often; 0 is "unlimited".
    const auto max_line = in.ConsumeIntegralInRange<std::size_t>(0, 80);
    const auto seed = in.ConsumeIntegral<std::uint64_t>();
    const std::string stream = in.ConsumeRemainingBytesAsString();

    const std::string whole = read({stream}, max_line);
    FUZZ_CHECK(read(parley::fuzz::split(stream, seed), max_line) == whole);
    FUZZ_CHECK(reference(stream, max_line) == whole);
    return 0;
}
