#include "shared/irc/tags.hpp"

namespace parley::irc {

namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

bool TagReader::next(Tag& tag) {
    while (!rest_.empty()) {
        const std::size_t semi = rest_.find(';');
        const std::string_view item = rest_.substr(0, semi);
        rest_.remove_prefix(semi == std::string_view::npos ? rest_.size() : semi + 1);
        if (item.empty()) {
            continue;
        }
        const std::size_t eq = item.find('=');
        tag.key = item.substr(0, eq);
        tag.raw_value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
        return true;
    }
    return false;
}

std::optional<std::string_view> find_tag(std::string_view raw, std::string_view key) {
    std::optional<std::string_view> found;
    TagReader reader(raw);
    for (Tag tag; reader.next(tag);) {
        if (tag.key == key) {
            found = tag.raw_value;  // keep going: the last one counts
        }
    }
    return found;
}

void unescape_tag_value(std::string_view raw, std::string& out) {
    out.reserve(out.size() + raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c != '\\') {
            out.push_back(c);
            continue;
        }
        if (++i == raw.size()) {
            break;  // a lone backslash at the end is dropped
        }
        switch (raw[i]) {
            case ':':
                out.push_back(';');
                break;
            case 's':
                out.push_back(' ');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 'n':
                out.push_back('\n');
                break;
            default:
                out.push_back(raw[i]);  // "\\" is a backslash; "\b" is "b"
                break;
        }
    }
}

std::string unescape_tag_value(std::string_view raw) {
    std::string out;
    unescape_tag_value(raw, out);
    return out;
}

void escape_tag_value(std::string_view value, std::string& out) {
    out.reserve(out.size() + value.size());
    for (const char c : value) {
        switch (c) {
            case ';':
                out.append("\\:", 2);
                break;
            case ' ':
                out.append("\\s", 2);
                break;
            case '\\':
                out.append("\\\\", 2);
                break;
            case '\r':
                out.append("\\r", 2);
                break;
            case '\n':
                out.append("\\n", 2);
                break;
            default:
                out.push_back(c);
                break;
        }
    }
}

void append_tag(std::string& raw, std::string_view key, std::string_view value) {
    if (!raw.empty()) {
        raw.push_back(';');
    }
    raw.append(key);
    if (!value.empty()) {
        raw.push_back('=');
        escape_tag_value(value, raw);
    }
}

bool valid_tag_key(std::string_view key) {
    if (!key.empty() && key.front() == '+') {
        key.remove_prefix(1);
    }
    const std::size_t slash = key.rfind('/');
    if (slash != std::string_view::npos) {
        const std::string_view vendor = key.substr(0, slash);
        if (vendor.empty()) {
            return false;
        }
        for (const char c : vendor) {
            if (!name_char(c) && c != '.') {
                return false;
            }
        }
        key.remove_prefix(slash + 1);
    }
    if (key.empty()) {
        return false;
    }
    for (const char c : key) {
        if (!name_char(c)) {
            return false;
        }
    }
    return true;
}

}  // namespace parley::irc
