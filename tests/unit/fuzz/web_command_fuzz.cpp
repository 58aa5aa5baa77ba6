// Fuzzes the browser's command parser (shared/web/command.hpp): parse_command takes every
// WebSocket text message a browser sends.
//
// Input: the message. Checks, beyond crashes, sanitizer reports and stack exhaustion:
// - what nlohmann::json itself does not accept as JSON is refused (bad-json, or usage when the
//   nesting bound stopped it first), never taken as a command;
// - a refusal has a known code and a text;
// - a command has the fields its type requires (a required field given as null or missing
//   is refused), and its ref is valid JSON: an integer or a string of at most max_ref bytes.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "shared/web/command.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

using namespace parley::web;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto result = parse_command(input);
    const bool valid_json = nlohmann::json::accept(input.begin(), input.end());
    if (const auto* r = std::get_if<Refusal>(&result)) {
        FUZZ_CHECK(r->code == "bad-json" || r->code == "usage" || r->code == "unknown-command");
        FUZZ_CHECK(!r->text.empty());
        FUZZ_CHECK(valid_json || r->code != "unknown-command");
        return 0;
    }
    FUZZ_CHECK(valid_json);
    const Command& c = std::get<Command>(result);
    // The ref, when there is one, is JSON text for an integer or a short string.
    if (!c.ref.empty()) {
        const auto ref = nlohmann::json::parse(c.ref, nullptr, false);
        FUZZ_CHECK(!ref.is_discarded());
        FUZZ_CHECK(ref.is_number_unsigned() ||
                   (ref.is_string() && ref.get<std::string>().size() <= max_ref));
    }
    // Required fields were present as strings in the object (checked against the DOM).
    const auto object = nlohmann::json::parse(input.begin(), input.end(), nullptr, false);
    FUZZ_CHECK(object.is_object());
    auto has = [&](const char* field) {
        const auto it = object.find(field);
        return it != object.end() && it->is_string();
    };
    switch (c.type) {
        case CommandType::say:
        case CommandType::me:
        case CommandType::topic:
            FUZZ_CHECK(has("room") && has("text"));
            break;
        case CommandType::msg:
            FUZZ_CHECK(has("to") && has("text"));
            break;
        case CommandType::nick:
            FUZZ_CHECK(has("nick"));
            break;
        case CommandType::join:
        case CommandType::part:
        case CommandType::who:
        case CommandType::history:
            FUZZ_CHECK(has("room"));
            break;
        case CommandType::rooms:
        case CommandType::quit:
            break;
    }
    FUZZ_CHECK(object["type"].get<std::string>() == name(c.type));
    return 0;
}
