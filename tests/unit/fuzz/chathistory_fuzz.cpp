// Fuzzes CHATHISTORY's parser (shared/irc/chathistory.hpp): parse_chathistory takes the
// parameters of every CHATHISTORY an IRC client sends, and parse_msgid and parse_server_time
// the references in them.
//
// Input: the parameters, separated by spaces (at most 15, as IRC carries); the first byte
// gives the maximum limit (0 to 255). Checks, beyond crashes and sanitizer reports:
// - every view in the result (subcommand, target, the parameter at fault) points into the
//   input;
// - a request without a problem has a known subcommand, a non-empty target, a limit from 1 to
//   the maximum (clamped exactly when the number given was larger), '*' only for LATEST, and
//   exactly 4 parameters (5 for BETWEEN);
// - a reference parsed is one that formats back to itself: a msgid's time and id format to a
//   msgid that parses to the same, a timestamp formats (years 0000 to 9999) to server-time that
//   parses to the same millisecond.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "shared/irc/chathistory.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

using namespace parley::irc;

namespace {

void check_ref(const HistoryRef& r) {
    if (r.kind == HistoryRef::Kind::msgid) {
        FUZZ_CHECK(parse_msgid(format_msgid(r.msgid)) == r.msgid);
    } else if (r.kind == HistoryRef::Kind::timestamp) {
        FUZZ_CHECK(parse_server_time(format_server_time(r.time_ms)) == r.time_ms);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t max_limit = data[0];
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::vector<std::string_view> params;
    std::string_view rest = input;
    while (!rest.empty() && params.size() < 15) {
        const std::size_t sp = rest.find(' ');
        params.push_back(rest.substr(0, sp));
        rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
    }
    const HistoryParse p = parse_chathistory(params, max_limit);
    const HistoryRequest& r = p.request;
    FUZZ_CHECK(parley::fuzz::inside(r.subcommand, input));
    FUZZ_CHECK(parley::fuzz::inside(r.target, input));
    FUZZ_CHECK(parley::fuzz::inside(p.bad, input));
    if (p.problem == HistoryProblem::none && r.sub != HistorySub::targets) {
        FUZZ_CHECK(!r.target.empty());
        FUZZ_CHECK(params.size() == (r.sub == HistorySub::between ? 5u : 4u));
        FUZZ_CHECK(r.limit >= 1 && (max_limit == 0 || r.limit <= max_limit));
        // The number given, saturated just past the maximum (0: no maximum).
        const std::size_t cap = max_limit == 0 ? SIZE_MAX : max_limit;
        bool over = false;
        std::size_t n = 0;
        for (const char c : params.back()) {
            const auto d = static_cast<std::size_t>(c - '0');
            over = over || d > cap || n > (cap - d) / 10;
            n = over ? n : n * 10 + d;
        }
        FUZZ_CHECK(r.clamped == over);
        FUZZ_CHECK(r.limit == (over ? cap : n));
        FUZZ_CHECK(r.from.kind != HistoryRef::Kind::star || r.sub == HistorySub::latest);
        FUZZ_CHECK(r.sub != HistorySub::between || r.to.kind != HistoryRef::Kind::star);
        check_ref(r.from);
        check_ref(r.to);
    }
    // The references on their own, whatever the input is.
    if (auto m = parse_msgid(input)) {
        FUZZ_CHECK(parse_msgid(format_msgid(*m)) == *m);
    }
    if (auto t = parse_server_time(input)) {
        FUZZ_CHECK(parse_server_time(format_server_time(*t)) == *t);
    }
    return 0;
}
