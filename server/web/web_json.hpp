#pragma once
// The JSON the web front end sends: events as the records history stores, member lists, and
// the frames that carry them. nlohmann::json builds and escapes it; text that is not UTF-8
// (never expected: every protocol checks its input) is replaced rather than thrown on.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/event.hpp"
#include "server/message.hpp"

namespace parley {

class Room;
class Session;

namespace web {

using Json = nlohmann::ordered_json;  // fields in the order written: "type" first

// Milliseconds since the Unix epoch, UTC: what JavaScript's Date takes and Date.now() gives.
// A number rather than an ISO 8601 string (IRC's server-time): a browser formats it in its
// own time zone either way, and it is 13 bytes of every event frame fewer, which fanout to many
// browsers pays for per recipient.
std::int64_t epoch_ms(std::chrono::system_clock::time_point t);

// "message", "join", ...
std::string_view kind_name(EventKind k);

// {"type":"event","kind":...,"id":...,"time":...,"room":...,"nick":...,"text":...,"target":...}
// with IRC's formatting codes taken out of the text, as for terminals.
Json event_record(const Event& e);

// The members of `room` as `asking` may see them (IRC's invisible users only to members),
// sorted without case: [{"nick":"alice","op":true}, ...].
Json member_list(const Room& room, const Session& asking);

// Copies a command's `ref` (JSON text, empty when none; see web::Command) into its answer.
void set_ref(Json& answer, const std::string& ref);

// The JSON text of `j`.
std::string dump(const Json& j);

// A WebSocket text frame holding `j`.
Message text_frame(const Json& j);

}  // namespace web
}  // namespace parley
