#include "shared/websocket/handshake.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdint>
#include <optional>
#include <stdexcept>

namespace parley::ws {

namespace {

std::string base64(const unsigned char* bytes, std::size_t n) {
    std::string out(4 * ((n + 2) / 3), '\0');
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(n));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

bool base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

// Whether `key` is base64 (RFC 4648 4, padded) of exactly 16 bytes: 22 characters of the
// alphabet and "==". EVP_DecodeBlock would skip blanks around it and counts padding as zero
// bytes, so the shape is checked first and the decoder only confirms it.
bool valid_key(std::string_view key) {
    if (key.size() != 24 || !key.ends_with("==")) {
        return false;
    }
    for (char c : key.substr(0, 22)) {
        if (!base64_char(c)) {
            return false;
        }
    }
    unsigned char decoded[18];
    return EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(key.data()), 24) ==
           18;  // 16 bytes and the two the padding stands for
}

std::size_t count_fields(const http::Request& request, std::string_view name) {
    std::size_t n = 0;
    for (const http::Header& h : request.headers) {
        n += http::equal_nocase(h.name, name) ? 1 : 0;
    }
    return n;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = lower(c);
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// An authority's host and port, as compared: the host lowercased (an IPv6 literal keeps its
// brackets), the port a number (0 when none was given and the scheme has no default).
struct Authority {
    std::string host;
    unsigned port = 0;
};

bool host_char(char c) {
    // RFC 3986 reg-name: unreserved, pct-encoded and sub-delims.
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("-._~%!$&'()*+,;=").find(c) != std::string_view::npos;
}

bool ipv6_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
}

// Parses `host[:port]` (a Host field, or an origin's authority). A missing or empty port is
// `default_port`.
std::optional<Authority> parse_authority(std::string_view text, unsigned default_port) {
    std::string_view host;
    std::string_view rest;
    if (text.starts_with('[')) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close == 1) {
            return std::nullopt;
        }
        for (char c : text.substr(1, close - 1)) {
            if (!ipv6_char(c)) {
                return std::nullopt;
            }
        }
        host = text.substr(0, close + 1);
        rest = text.substr(close + 1);
    } else {
        const std::size_t colon = text.find(':');
        host = text.substr(0, colon);
        rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
        if (host.empty()) {
            return std::nullopt;
        }
        for (char c : host) {
            if (!host_char(c)) {
                return std::nullopt;
            }
        }
    }
    Authority a{lowered(host), default_port};
    if (rest.empty()) {
        return a;
    }
    if (rest.front() != ':') {
        return std::nullopt;
    }
    rest.remove_prefix(1);
    if (rest.empty()) {
        return a;  // "host:" is "host" (RFC 3986 6.2.3)
    }
    unsigned port = 0;
    for (char c : rest) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        port = port * 10 + static_cast<unsigned>(c - '0');
        if (port > 65535) {
            return std::nullopt;
        }
    }
    if (port == 0) {
        return std::nullopt;
    }
    a.port = port;
    return a;
}

unsigned default_port(std::string_view scheme) {
    return scheme == "http" ? 80 : scheme == "https" ? 443 : 0;
}

// An origin (RFC 6454 6.2: scheme "://" host [":" port], nothing after) with its scheme and
// host lowercased and its port made explicit.
struct Origin {
    std::string scheme;
    Authority authority;

    std::string normalised() const {
        // Appended piece by piece: operator+ chains trip GCC 12's -Wrestrict false positive.
        std::string s = scheme;
        s.append("://").append(authority.host);
        if (authority.port != 0) {
            s.append(":").append(std::to_string(authority.port));
        }
        return s;
    }
};

std::optional<Origin> parse_origin(std::string_view text) {
    const std::size_t sep = text.find("://");
    if (sep == std::string_view::npos || sep == 0) {
        return std::nullopt;
    }
    const std::string_view scheme = text.substr(0, sep);
    // RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        const char c = scheme[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) {
            return std::nullopt;
        }
    }
    Origin o;
    o.scheme = lowered(scheme);
    auto authority = parse_authority(text.substr(sep + 3), default_port(o.scheme));
    if (!authority) {
        return std::nullopt;
    }
    o.authority = std::move(*authority);
    return o;
}

}  // namespace

std::string accept_key(std::string_view key) {
    static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string input;
    input.reserve(key.size() + guid.size());
    input.append(key).append(guid);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr) != 1) {
        throw std::runtime_error("SHA-1 failed");
    }
    return base64(digest, size);
}

std::string new_client_key() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
        throw std::runtime_error("no random bytes for a Sec-WebSocket-Key");
    }
    return base64(bytes, sizeof bytes);
}

UpgradeCheck check_upgrade(const http::Request& request) {
    UpgradeCheck check;
    auto refuse = [&check](unsigned status, std::string_view problem) {
        check.status = status;
        check.problem = problem;
        return check;
    };
    if (request.method != "GET") {
        return refuse(405, "a WebSocket handshake is a GET");
    }
    if (request.version_minor < 1) {
        return refuse(400, "a WebSocket handshake needs HTTP/1.1");
    }
    if (!request.header("Host")) {
        return refuse(400, "no Host field");
    }
    const auto upgrade = request.header("Upgrade");
    if (!upgrade || !http::has_token(*upgrade, "websocket")) {
        return refuse(400, "no \"Upgrade: websocket\"");
    }
    bool connection_upgrade = false;
    for (const http::Header& h : request.headers) {
        // Connection may be sent as several fields (RFC 9110 5.3).
        if (http::equal_nocase(h.name, "Connection") && http::has_token(h.value, "upgrade")) {
            connection_upgrade = true;
        }
    }
    if (!connection_upgrade) {
        return refuse(400, "no \"Connection: Upgrade\"");
    }
    const auto version = request.header("Sec-WebSocket-Version");
    if (!version) {
        return refuse(400, "no Sec-WebSocket-Version");
    }
    if (count_fields(request, "Sec-WebSocket-Version") > 1 || *version != "13") {
        return refuse(426, "Sec-WebSocket-Version 13 only");
    }
    const auto key = request.header("Sec-WebSocket-Key");
    if (!key) {
        return refuse(400, "no Sec-WebSocket-Key");
    }
    if (count_fields(request, "Sec-WebSocket-Key") > 1 || !valid_key(*key)) {
        return refuse(400, "Sec-WebSocket-Key is not base64 of 16 bytes");
    }
    check.status = 101;
    check.accept = accept_key(*key);
    return check;
}

bool parse_origin_policy(std::string_view text, OriginPolicy& out, std::string& error) {
    OriginPolicy policy;
    policy.same_origin = false;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = text.find(',', start);
        const std::string_view entry = trim(text.substr(start, comma - start));
        if (entry.empty()) {
            error = "--http-origin: an empty entry (expected same, * or scheme://host[:port])";
            return false;
        }
        if (entry == "same") {
            policy.same_origin = true;
        } else if (entry == "*") {
            policy.any = true;
        } else if (auto origin = parse_origin(entry)) {
            policy.allowed.push_back(origin->normalised());
        } else {
            error = "--http-origin: '" + std::string(entry) +
                    "' is not an origin (expected same, * or scheme://host[:port], no path)";
            return false;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    out = std::move(policy);
    return true;
}

bool origin_allowed(const http::Request& request, const OriginPolicy& policy) {
    const auto value = request.header("Origin");
    if (!value) {
        return true;
    }
    if (policy.any) {
        return true;
    }
    // Several Origin fields are no browser's: which one would the check be about?
    std::size_t fields = 0;
    for (const http::Header& h : request.headers) {
        fields += http::equal_nocase(h.name, "Origin") ? 1 : 0;
    }
    if (fields != 1) {
        return false;
    }
    const auto origin = parse_origin(*value);  // "null" is not an origin: refused
    if (!origin) {
        return false;
    }
    const std::string normalised = origin->normalised();
    for (const std::string& allowed : policy.allowed) {
        if (allowed == normalised) {
            return true;
        }
    }
    if (!policy.same_origin || default_port(origin->scheme) == 0) {
        return false;  // same-origin is about http and https pages only
    }
    const auto host = request.header("Host");
    if (!host) {
        return false;
    }
    const auto authority = parse_authority(*host, default_port(origin->scheme));
    return authority && authority->host == origin->authority.host &&
           authority->port == origin->authority.port;
}

}  // namespace parley::ws
