#include "shared/http/request.hpp"

#include <cstring>

namespace parley::http {

namespace {

// tchar (RFC 9110 5.6.2): what tokens (methods, field names) are made of.
bool tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool digit(char c) {
    return c >= '0' && c <= '9';
}

// A field value's bytes: visible ASCII, obs-text, space and tab; never another control.
bool value_char(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7F);
}

// A target's bytes: visible ASCII only (no space, no control, nothing past 0x7E).
bool target_char(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c < 0x7F;
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// One line of the head: its content without the terminator, and whether its LF has arrived.
// A CR that is not part of a CRLF (refused: RFC 9112 2.2) cuts the line short there, marked
// bad_cr: what precedes it is checked as a line still arriving, so that the first problem in
// the bytes is the one reported, whatever comes after it.
struct Line {
    std::string_view text;
    bool complete = false;
    bool bad_cr = false;
};

Line next_line(std::string_view in, std::size_t& pos) {
    Line line;
    const std::size_t lf = in.find('\n', pos);
    if (lf == std::string_view::npos) {
        line.text = in.substr(pos);
        pos = in.size();
        // A CR as the last byte may yet be followed by its LF.
        const std::size_t cr = line.text.find('\r');
        if (cr != std::string_view::npos) {
            line.bad_cr = cr + 1 != line.text.size();
            line.text = line.text.substr(0, cr);
        }
        return line;
    }
    line.text = in.substr(pos, lf - pos);
    line.complete = true;
    pos = lf + 1;
    if (!line.text.empty() && line.text.back() == '\r') {
        line.text.remove_suffix(1);
    }
    if (const std::size_t cr = line.text.find('\r'); cr != std::string_view::npos) {
        line.bad_cr = true;
        line.complete = false;
        line.text = line.text.substr(0, cr);
    }
    return line;
}

// The target's form (RFC 9112 3.2): origin (/path), absolute (scheme://...), or asterisk.
bool valid_target(std::string_view t) {
    if (t == "*" || t.front() == '/') {
        return true;
    }
    const std::size_t colon = t.find("://");
    if (colon == std::string_view::npos || colon == 0) {
        return false;
    }
    for (std::size_t i = 0; i < colon; ++i) {
        const char c = t[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alpha && (i == 0 || !(digit(c) || c == '+' || c == '-' || c == '.'))) {
            return false;
        }
    }
    return true;
}

// The request line, or as much of it as has arrived (then only what is there is checked, so
// that an error found now stays one however the line goes on).
ParseStatus parse_request_line(const Line& line, Request& out, const Limits& limits) {
    std::string_view rest = line.text;
    const std::size_t sp1 = rest.find(' ');
    const std::string_view method = rest.substr(0, sp1);
    // Byte by byte, each limit checked where it is crossed: the first problem is reported.
    for (std::size_t i = 0; i < method.size(); ++i) {
        if (!tchar(method[i])) {
            return ParseStatus::bad_request;
        }
        if (i == limits.max_method) {
            return ParseStatus::method_not_implemented;
        }
    }
    if (sp1 == std::string_view::npos) {
        return line.complete ? ParseStatus::bad_request : ParseStatus::incomplete;
    }
    if (method.empty()) {
        return ParseStatus::bad_request;
    }
    rest.remove_prefix(sp1 + 1);
    const std::size_t sp2 = rest.find(' ');
    const std::string_view target = rest.substr(0, sp2);
    for (std::size_t i = 0; i < target.size(); ++i) {
        if (!target_char(target[i])) {
            return ParseStatus::bad_request;
        }
        if (i == limits.max_target) {
            return ParseStatus::uri_too_long;
        }
    }
    if (sp2 == std::string_view::npos) {
        return line.complete ? ParseStatus::bad_request : ParseStatus::incomplete;
    }
    if (target.empty() || !valid_target(target)) {
        return ParseStatus::bad_request;
    }
    rest.remove_prefix(sp2 + 1);
    // HTTP-version = "HTTP/" DIGIT "." DIGIT, checked byte by byte as far as it has arrived.
    constexpr std::string_view shape = "HTTP/0.0";
    if (rest.size() > shape.size()) {
        return ParseStatus::bad_request;
    }
    for (std::size_t i = 0; i < rest.size(); ++i) {
        const bool ok = shape[i] == '0' ? digit(rest[i]) : rest[i] == shape[i];
        if (!ok) {
            return ParseStatus::bad_request;
        }
    }
    if (!line.complete) {
        return ParseStatus::incomplete;
    }
    if (rest.size() != shape.size()) {
        return ParseStatus::bad_request;
    }
    if (rest[5] != '1') {
        return ParseStatus::version_not_supported;
    }
    out.method = method;
    out.target = target;
    out.version_minor = rest[7] == '0' ? 0 : 1;
    return ParseStatus::complete;
}

// One header field line, or as much of it as has arrived.
ParseStatus parse_field(const Line& line, Request& out) {
    const std::string_view text = line.text;
    if (text.front() == ' ' || text.front() == '\t') {
        return ParseStatus::bad_request;  // obsolete line folding (RFC 9112 5.2)
    }
    const std::size_t colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    for (char c : name) {
        if (!tchar(c)) {
            return ParseStatus::bad_request;  // whitespace before the colon among others (5.1)
        }
    }
    if (colon == std::string_view::npos) {
        return line.complete ? ParseStatus::bad_request : ParseStatus::incomplete;
    }
    if (name.empty()) {
        return ParseStatus::bad_request;
    }
    const std::string_view value = text.substr(colon + 1);
    for (char c : value) {
        if (!value_char(c)) {
            return ParseStatus::bad_request;
        }
    }
    if (!line.complete) {
        return ParseStatus::incomplete;
    }
    out.headers.push_back(Header{name, trim_ows(value)});
    return ParseStatus::complete;
}

// Content-Length: digits, and every one given (repeated, or as a list) the same number.
bool add_content_length(std::string_view value, std::optional<std::uint64_t>& length) {
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = value.find(',', start);
        const std::string_view item = trim_ows(value.substr(start, comma - start));
        if (item.empty() || item.size() > 18) {
            return false;
        }
        std::uint64_t n = 0;
        for (char c : item) {
            if (!digit(c)) {
                return false;
            }
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (length && *length != n) {
            return false;
        }
        length = n;
        if (comma == std::string_view::npos) {
            return true;
        }
        start = comma + 1;
    }
}

// What the fields say together, once the head is complete.
ParseStatus check_fields(Request& out) {
    std::size_t hosts = 0;
    bool close = false;
    bool keep_alive = false;
    for (const Header& h : out.headers) {
        if (equal_nocase(h.name, "Host")) {
            ++hosts;
        } else if (equal_nocase(h.name, "Content-Length")) {
            if (!add_content_length(h.value, out.content_length)) {
                return ParseStatus::bad_request;
            }
        } else if (equal_nocase(h.name, "Transfer-Encoding")) {
            out.transfer_encoding = true;
        } else if (equal_nocase(h.name, "Connection")) {
            close = close || has_token(h.value, "close");
            keep_alive = keep_alive || has_token(h.value, "keep-alive");
        }
    }
    if (hosts > 1 || (hosts == 0 && out.version_minor == 1)) {
        return ParseStatus::bad_request;
    }
    if (out.transfer_encoding && (out.content_length || out.version_minor == 0)) {
        return ParseStatus::bad_request;
    }
    out.keep_alive = !close && (out.version_minor == 1 || keep_alive);
    return ParseStatus::complete;
}

}  // namespace

unsigned status_of(ParseStatus s) {
    switch (s) {
        case ParseStatus::complete:
            return 200;
        case ParseStatus::incomplete:
            return 0;
        case ParseStatus::bad_request:
            return 400;
        case ParseStatus::method_not_implemented:
            return 501;
        case ParseStatus::uri_too_long:
            return 414;
        case ParseStatus::header_fields_too_large:
            return 431;
        case ParseStatus::version_not_supported:
            return 505;
    }
    return 400;
}

std::string_view describe(ParseStatus s) {
    switch (s) {
        case ParseStatus::complete:
            return "complete";
        case ParseStatus::incomplete:
            return "incomplete";
        case ParseStatus::bad_request:
            return "bad request";
        case ParseStatus::method_not_implemented:
            return "method not implemented";
        case ParseStatus::uri_too_long:
            return "URI too long";
        case ParseStatus::header_fields_too_large:
            return "header fields too large";
        case ParseStatus::version_not_supported:
            return "HTTP version not supported";
    }
    return "bad request";
}

bool equal_nocase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        x = x >= 'A' && x <= 'Z' ? static_cast<char>(x - 'A' + 'a') : x;
        y = y >= 'A' && y <= 'Z' ? static_cast<char>(y - 'A' + 'a') : y;
        if (x != y) {
            return false;
        }
    }
    return true;
}

bool has_token(std::string_view list, std::string_view token) {
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = list.find(',', start);
        if (equal_nocase(trim_ows(list.substr(start, comma - start)), token)) {
            return true;
        }
        if (comma == std::string_view::npos) {
            return false;
        }
        start = comma + 1;
    }
}

std::optional<std::string_view> Request::header(std::string_view name) const {
    for (const Header& h : headers) {
        if (equal_nocase(h.name, name)) {
            return h.value;
        }
    }
    return std::nullopt;
}

std::string_view Request::path() const {
    std::string_view p = target.substr(0, target.find('?'));
    if (!p.empty() && p.front() != '/' && p != "*") {
        // Absolute form: the path after scheme://authority ("/" when there is none).
        const std::size_t slash = p.find('/', p.find("://") + 3);
        p = slash == std::string_view::npos ? std::string_view("/") : p.substr(slash);
    }
    return p;
}

ParseStatus parse_request_head(std::string_view buffer, Request& out, const Limits& limits) {
    std::vector<Header> headers = std::move(out.headers);  // its capacity is kept
    headers.clear();
    out = Request();
    out.headers = std::move(headers);
    // Only the first max_head bytes can hold the head; a head not complete within them is too
    // large, whatever follows.
    const std::string_view in = buffer.substr(0, limits.max_head);
    const bool full = buffer.size() >= limits.max_head;
    const ParseStatus too_large = ParseStatus::header_fields_too_large;
    std::size_t pos = 0;

    // What a step's status means for the whole: a line cut by a bad CR is refused unless what
    // precedes the CR is refused already; a head unfinished within max_head is too large.
    const auto settle = [&](ParseStatus s, const Line& line) {
        if (s != ParseStatus::incomplete) {
            return s;
        }
        return line.bad_cr ? ParseStatus::bad_request : full ? too_large : s;
    };
    Line line = next_line(in, pos);
    while (line.complete && line.text.empty()) {
        line = next_line(in, pos);  // empty lines before the request line
    }
    if (line.text.empty()) {
        return settle(ParseStatus::incomplete, line);
    }
    if (const ParseStatus s = parse_request_line(line, out, limits); s != ParseStatus::complete) {
        return settle(s, line);
    }

    for (;;) {
        line = next_line(in, pos);
        if (line.complete && line.text.empty()) {
            break;  // the end of the head
        }
        if (line.text.empty()) {
            return settle(ParseStatus::incomplete, line);
        }
        if (out.headers.size() >= limits.max_headers) {
            return too_large;  // one field more than allowed has begun
        }
        if (const ParseStatus s = parse_field(line, out); s != ParseStatus::complete) {
            return settle(s, line);
        }
    }
    out.head_size = pos;
    return check_fields(out);
}

}  // namespace parley::http
