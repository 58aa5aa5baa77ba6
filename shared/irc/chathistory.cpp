#include "shared/irc/chathistory.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <chrono>
#include <limits>

#include "shared/irc/text.hpp"

namespace parley::irc {

namespace {

using namespace std::chrono;

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && casefold_equal(text.substr(0, prefix.size()), prefix);
}

// Exactly `n` decimal digits at `text[pos]`.
bool digits(std::string_view text, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > text.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        out = out * 10 + (text[i] - '0');
    }
    return true;
}

std::optional<HistoryRef> parse_ref(std::string_view text, bool star_allowed) {
    HistoryRef r;
    if (text == "*") {
        if (!star_allowed) {
            return std::nullopt;
        }
        r.kind = HistoryRef::Kind::star;
        return r;
    }
    if (starts_with_nocase(text, "msgid=")) {
        auto m = parse_msgid(text.substr(6));
        if (!m) {
            return std::nullopt;
        }
        r.kind = HistoryRef::Kind::msgid;
        r.msgid = *m;
        return r;
    }
    if (starts_with_nocase(text, "timestamp=")) {
        auto t = parse_server_time(text.substr(10));
        if (!t) {
            return std::nullopt;
        }
        r.kind = HistoryRef::Kind::timestamp;
        r.time_ms = *t;
        return r;
    }
    return std::nullopt;
}

}  // namespace

std::string format_msgid(MsgId m) {
    return fmt::format("{:x}-{:x}", m.time_ms, m.id);
}

std::optional<MsgId> parse_msgid(std::string_view text) {
    const std::size_t dash = text.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == text.size()) {
        return std::nullopt;
    }
    MsgId m;
    const char* end = text.data() + dash;
    auto [p1, e1] = std::from_chars(text.data(), end, m.time_ms, 16);
    if (e1 != std::errc() || p1 != end || text.front() == '-' || text.front() == '+') {
        return std::nullopt;
    }
    const char* begin = text.data() + dash + 1;
    end = text.data() + text.size();
    auto [p2, e2] = std::from_chars(begin, end, m.id, 16);
    if (e2 != std::errc() || p2 != end || m.id == 0) {
        return std::nullopt;
    }
    return m;
}

std::string format_server_time(std::int64_t time_ms) {
    const sys_time<milliseconds> t{milliseconds(time_ms)};
    const sys_days day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                       hms.subseconds().count());
}

std::optional<std::int64_t> parse_server_time(std::string_view text) {
    // YYYY-MM-DDThh:mm:ss[.fraction]Z
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (text.size() < 20 || !digits(text, 0, 4, y) || text[4] != '-' || !digits(text, 5, 2, mo) ||
        text[7] != '-' || !digits(text, 8, 2, d) || (text[10] != 'T' && text[10] != 't') ||
        !digits(text, 11, 2, h) || text[13] != ':' || !digits(text, 14, 2, mi) || text[16] != ':' ||
        !digits(text, 17, 2, s)) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    int ms = 0;
    if (text[pos] == '.') {
        ++pos;
        std::size_t n = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (n < 3) {
                ms = ms * 10 + (text[pos] - '0');
            }
            ++n;
            ++pos;
        }
        if (n == 0 || n > 9) {
            return std::nullopt;
        }
        for (; n < 3; ++n) {
            ms *= 10;
        }
    }
    if (pos + 1 != text.size() || (text[pos] != 'Z' && text[pos] != 'z')) {
        return std::nullopt;
    }
    const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                             day(static_cast<unsigned>(d))};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 60) {  // 60: a leap second, as the next one
        return std::nullopt;
    }
    const auto t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(s) + milliseconds(ms);
    return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

HistoryParse parse_chathistory(std::span<const std::string_view> params, std::size_t max_limit) {
    HistoryParse out;
    HistoryRequest& r = out.request;
    if (params.empty() || params[0].empty()) {
        out.problem = HistoryProblem::no_subcommand;
        return out;
    }
    r.subcommand = params[0];
    static constexpr std::array<std::pair<std::string_view, HistorySub>, 6> subs = {{
        {"LATEST", HistorySub::latest},
        {"BEFORE", HistorySub::before},
        {"AFTER", HistorySub::after},
        {"AROUND", HistorySub::around},
        {"BETWEEN", HistorySub::between},
        {"TARGETS", HistorySub::targets},
    }};
    bool known = false;
    for (const auto& [name, sub] : subs) {
        if (casefold_equal(params[0], name)) {
            r.sub = sub;
            known = true;
        }
    }
    if (!known) {
        out.problem = HistoryProblem::unknown_subcommand;
        out.bad = params[0];
        return out;
    }
    if (r.sub == HistorySub::targets) {
        return out;
    }
    const std::size_t wanted = r.sub == HistorySub::between ? 5 : 4;
    if (params.size() < wanted) {
        out.problem = HistoryProblem::not_enough_params;
        return out;
    }
    if (params.size() > wanted) {
        out.problem = HistoryProblem::too_many_params;
        out.bad = params[wanted];
        return out;
    }
    r.target = params[1];
    if (r.target.empty()) {
        out.problem = HistoryProblem::not_enough_params;
        return out;
    }
    auto from = parse_ref(params[2], r.sub == HistorySub::latest);
    if (!from) {
        out.problem = HistoryProblem::invalid_reference;
        out.bad = params[2];
        return out;
    }
    r.from = *from;
    if (r.sub == HistorySub::between) {
        auto to = parse_ref(params[3], false);
        if (!to) {
            out.problem = HistoryProblem::invalid_reference;
            out.bad = params[3];
            return out;
        }
        r.to = *to;
    }
    const std::string_view limit = params[wanted - 1];
    const std::size_t cap = max_limit == 0 ? std::numeric_limits<std::size_t>::max() : max_limit;
    std::size_t n = 0;
    bool over = false;
    for (const char c : limit) {
        if (c < '0' || c > '9') {
            out.problem = HistoryProblem::invalid_limit;
            out.bad = limit;
            return out;
        }
        const auto d = static_cast<std::size_t>(c - '0');
        if (!over && (d > cap || n > (cap - d) / 10)) {
            over = true;
        }
        if (!over) {
            n = n * 10 + d;
        }
    }
    if (limit.empty() || (n == 0 && !over)) {
        out.problem = HistoryProblem::invalid_limit;
        out.bad = limit;
        return out;
    }
    r.clamped = over;
    r.limit = over ? cap : n;
    return out;
}

std::string_view problem_name(HistoryProblem p) {
    switch (p) {
        case HistoryProblem::none:
            return "none";
        case HistoryProblem::no_subcommand:
            return "no-subcommand";
        case HistoryProblem::unknown_subcommand:
            return "unknown-subcommand";
        case HistoryProblem::not_enough_params:
            return "not-enough-params";
        case HistoryProblem::too_many_params:
            return "too-many-params";
        case HistoryProblem::invalid_reference:
            return "invalid-reference";
        case HistoryProblem::invalid_limit:
            return "invalid-limit";
    }
    return "unknown";
}

}  // namespace parley::irc
