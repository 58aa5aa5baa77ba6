#pragma once
// IRCv3 message tags (ircv3.net/specs/extensions/message-tags): reading the raw tags a parsed
// Message holds, and writing them escaped.
//
// Raw tags are "key[=value];key[=value]...". A key is an optional '+' (a client-only tag), an
// optional vendor ("example.com/"), and a name. A value is escaped: ';' is "\:", space "\s",
// backslash "\\", CR "\r", LF "\n"; any other character after a backslash stands for itself,
// and a lone backslash at the end is dropped. A key without '=' or with an empty value has the
// empty value. When a key appears twice, the last one counts.

#include <optional>
#include <string>
#include <string_view>

namespace parley::irc {

struct Tag {
    std::string_view key;
    std::string_view raw_value;  // still escaped: unescape_tag_value gives the value
};

// Reads the raw tags one at a time without allocating:
//   TagReader reader(msg.tags);
//   for (Tag tag; reader.next(tag);) { ... }
// Empty items (";;") are skipped.
class TagReader {
  public:
    explicit TagReader(std::string_view raw) : rest_(raw) {}
    bool next(Tag& tag);

  private:
    std::string_view rest_;
};

// The raw value of the last tag named `key`, or nothing if there is none.
std::optional<std::string_view> find_tag(std::string_view raw, std::string_view key);

// Appends the unescaped value to `out`.
void unescape_tag_value(std::string_view raw_value, std::string& out);
std::string unescape_tag_value(std::string_view raw_value);

// Appends the escaped value to `out`; what it appends holds no ';', space, CR or LF, so it can
// neither end a tag nor the line. (NUL has no escape and is kept: values must not hold one.)
void escape_tag_value(std::string_view value, std::string& out);

// Appends "key=escaped-value" to raw tags being built, with a ';' before it unless `raw` is
// empty; an empty value writes the key alone. The result goes to append_message's `tags`.
void append_tag(std::string& raw, std::string_view key, std::string_view value = {});

// True if `key` is a well-formed tag key: ['+'] [vendor '/'] name, the name made of ASCII
// letters, digits and '-', the vendor a host name (letters, digits, '-' and '.').
bool valid_tag_key(std::string_view key);

}  // namespace parley::irc
