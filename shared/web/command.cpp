#include "shared/web/command.hpp"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>

namespace parley::web {

namespace {

using json = nlohmann::json;

enum class Field : std::uint8_t {
    type,
    room,
    text,
    to,
    nick,
    key,
    reason,
    before,
    limit,
    ref,
    unknown,
};

constexpr std::array<std::string_view, 10> field_names{"type", "room",   "text",   "to",    "nick",
                                                       "key",  "reason", "before", "limit", "ref"};

constexpr std::array<std::string_view, 11> type_names{
    "say", "me", "msg", "nick", "join", "part", "topic", "who", "rooms", "history", "quit"};

Field field_of(std::string_view name) {
    for (std::size_t i = 0; i < field_names.size(); ++i) {
        if (field_names[i] == name) {
            return static_cast<Field>(i);
        }
    }
    return Field::unknown;
}

bool is_number_field(Field f) {
    return f == Field::before || f == Field::limit;
}

// nlohmann::json's SAX events for one message. Depth 1 is the command object's own fields;
// anything deeper belongs to a field Parley does not know and is skipped.
class Reader {
  public:
    bool null() {
        if (depth_ == 0) {
            return not_an_object();
        }
        if (depth_ == 1 && field_ != Field::unknown) {
            present_ &= ~(1u << static_cast<unsigned>(field_));  // null counts as absent
        }
        return true;
    }
    bool boolean(bool) { return scalar("true or false"); }
    bool number_integer(json::number_integer_t v) {
        if (depth_ == 1 && v >= 0) {
            return number_unsigned(static_cast<json::number_unsigned_t>(v));
        }
        return scalar("a negative number");
    }
    bool number_unsigned(json::number_unsigned_t v) {
        if (depth_ == 0) {
            return not_an_object();
        }
        if (depth_ > 1) {
            return true;
        }
        if (field_ == Field::ref) {
            command_.ref = std::to_string(v);
        } else if (field_ == Field::before) {
            command_.before = v;
        } else if (field_ == Field::limit) {
            command_.limit = v;
        } else if (field_ != Field::unknown) {
            wrong_type("a number");
        }
        return true;
    }
    bool number_float(json::number_float_t, const json::string_t&) { return scalar("a fraction"); }
    bool string(json::string_t& v) {
        if (depth_ == 0) {
            return not_an_object();
        }
        if (depth_ > 1 || field_ == Field::unknown) {
            return true;
        }
        if (is_number_field(field_)) {
            wrong_type("a string");
            return true;
        }
        switch (field_) {
            case Field::type:
                type_ = std::move(v);
                has_type_ = true;
                break;
            case Field::room:
                command_.room = std::move(v);
                break;
            case Field::text:
                command_.text = std::move(v);
                break;
            case Field::to:
                command_.to = std::move(v);
                break;
            case Field::nick:
                command_.nick = std::move(v);
                break;
            case Field::key:
                command_.key = std::move(v);
                break;
            case Field::reason:
                command_.reason = std::move(v);
                break;
            case Field::ref:
                if (v.size() > max_ref) {
                    problem(fmt::format("\"ref\" is at most {} bytes", max_ref));
                } else {
                    command_.ref = json(v).dump();
                }
                break;
            default:
                break;
        }
        present_ |= 1u << static_cast<unsigned>(field_);
        return true;
    }
    bool binary(json::binary_t&) { return true; }  // never produced by the JSON parser
    bool start_object(std::size_t) { return open("an object"); }
    bool end_object() {
        --depth_;
        return true;
    }
    bool start_array(std::size_t) {
        if (depth_ == 0) {
            return not_an_object();
        }
        return open("a list");
    }
    bool end_array() {
        --depth_;
        return true;
    }
    bool key(json::string_t& k) {
        if (depth_ == 1) {
            field_ = field_of(k);
        }
        return true;
    }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) {
        if (syntax_.empty()) {
            syntax_ = fmt::format("not valid JSON (at byte {})", position);
        }
        return false;
    }

    // What the events made of the message.
    std::variant<Command, Refusal> result(bool parsed) && {
        auto refuse = [&](std::string code, std::string text) {
            return Refusal{std::move(code), std::move(text), command_.ref};
        };
        if (!parsed) {
            if (!syntax_.empty()) {
                return refuse("bad-json", "the message is " + syntax_);
            }
            return refuse(usage_.empty() ? "bad-json" : "usage",
                          usage_.empty() ? "the message is not valid JSON" : usage_);
        }
        if (!usage_.empty()) {
            return refuse("usage", usage_);
        }
        if (!has_type_) {
            return refuse("usage", "a command needs a \"type\"");
        }
        std::size_t t = 0;
        while (t < type_names.size() && type_names[t] != type_) {
            ++t;
        }
        if (t == type_names.size()) {
            return refuse("unknown-command",
                          type_.size() > 32
                              ? std::string("there is no such command")
                              : fmt::format("there is no command {}", json(type_).dump()));
        }
        command_.type = static_cast<CommandType>(t);
        const auto need = [&](std::initializer_list<Field> fields) -> std::optional<Refusal> {
            for (Field f : fields) {
                if ((present_ & (1u << static_cast<unsigned>(f))) == 0) {
                    return refuse("usage", fmt::format("\"{}\" needs \"{}\"", type_names[t],
                                                       field_names[static_cast<std::size_t>(f)]));
                }
            }
            return std::nullopt;
        };
        std::optional<Refusal> missing;
        switch (command_.type) {
            case CommandType::say:
            case CommandType::me:
            case CommandType::topic:
                missing = need({Field::room, Field::text});
                break;
            case CommandType::msg:
                missing = need({Field::to, Field::text});
                break;
            case CommandType::nick:
                missing = need({Field::nick});
                break;
            case CommandType::join:
            case CommandType::part:
            case CommandType::who:
            case CommandType::history:
                missing = need({Field::room});
                break;
            case CommandType::rooms:
            case CommandType::quit:
                break;
        }
        if (missing) {
            return std::move(*missing);
        }
        return std::move(command_);
    }

  private:
    bool open(std::string_view what) {
        if (depth_ == 1 && field_ != Field::unknown) {
            wrong_type(what);
        }
        if (++depth_ > max_depth) {
            problem(fmt::format("the message nests deeper than {} levels", max_depth));
            return false;
        }
        return true;
    }
    bool scalar(std::string_view what) {
        if (depth_ == 0) {
            return not_an_object();
        }
        if (depth_ == 1 && field_ != Field::unknown) {
            wrong_type(what);
        }
        return true;
    }
    bool not_an_object() {
        problem("a command is a JSON object");
        return false;
    }
    void wrong_type(std::string_view what) {
        const std::string_view name = field_names[static_cast<std::size_t>(field_)];
        problem(fmt::format("\"{}\" must be {}, not {}", name,
                            is_number_field(field_) ? "a whole number"
                            : field_ == Field::ref  ? "a string or a whole number"
                                                    : "a string",
                            what));
    }
    void problem(std::string text) {
        if (usage_.empty()) {
            usage_ = std::move(text);
        }
    }

    std::size_t depth_ = 0;
    Field field_ = Field::unknown;
    Command command_;
    std::string type_;
    bool has_type_ = false;
    unsigned present_ = 0;
    std::string usage_;
    std::string syntax_;
};

}  // namespace

std::variant<Command, Refusal> parse_command(std::string_view text) {
    Reader reader;
    bool parsed = false;
    try {
        parsed = json::sax_parse(text.begin(), text.end(), &reader, json::input_format_t::json,
                                 true /* strict: nothing after the object */);
    } catch (const std::exception&) {  // the SAX parser reports through parse_error; defensive
        parsed = false;
    }
    return std::move(reader).result(parsed);
}

std::string_view name(CommandType t) {
    return type_names[static_cast<std::size_t>(t)];
}

}  // namespace parley::web
