#include "server/keepalive.hpp"

#include <fmt/format.h>

#include <charconv>

namespace parley {

namespace {

// One decimal field in [1, max], digits only (no sign, no spaces, no fraction).
bool field(std::string_view text, int max, int& out) {
    if (text.empty() || text.size() > 6) {
        return false;
    }
    for (char ch : text) {
        if (ch < '0' || ch > '9') {
            return false;
        }
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= 1 && out <= max;
}

}  // namespace

std::string Keepalive::to_string() const {
    return fmt::format("{},{},{}", idle, interval, count);
}

std::optional<Keepalive> parse_keepalive(std::string_view text, std::string& error) {
    std::string_view parts[3];
    std::string_view rest = text;
    for (int i = 0; i < 3; ++i) {
        const auto comma = rest.find(',');
        if ((i < 2) != (comma != std::string_view::npos)) {
            error =
                fmt::format("{} is not IDLE,INTERVAL,COUNT (three numbers, e.g. 60,10,3)", text);
            return std::nullopt;
        }
        parts[i] = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    Keepalive k;
    if (!field(parts[0], 32767, k.idle)) {
        error = fmt::format("{}: IDLE is not a whole number of seconds from 1 to 32767", text);
    } else if (!field(parts[1], 32767, k.interval)) {
        error = fmt::format("{}: INTERVAL is not a whole number of seconds from 1 to 32767", text);
    } else if (!field(parts[2], 127, k.count)) {
        error = fmt::format("{}: COUNT is not a whole number of probes from 1 to 127", text);
    } else {
        return k;
    }
    return std::nullopt;
}

}  // namespace parley
