#pragma once
// What a room's modes allow, for every protocol alike: who may join (bans, +i, +k, +l), who may
// speak (+n, +m, bans) and who may set the topic (+t). The IRC front end answers a refusal with
// its numeric, the plain front end with an error line; both with the same text.

#include <optional>
#include <string>
#include <string_view>

namespace parley {

class Room;
class Session;

struct JoinRefusal {
    unsigned numeric;  // IRC's: 471 full, 473 invite only, 474 banned, 475 bad key
    std::string text;
};

// Why `s` may not join `room` with `key`, or nothing.
std::optional<JoinRefusal> join_refusal(const Room& room, const Session& s, std::string_view key);
// Why `s` may not send text to `room`, or nothing (IRC's 404).
std::optional<std::string> speech_refusal(const Room& room, const Session& s);
// Why `s` may not set the topic of `room`, or nothing (IRC's 482 or 442).
std::optional<std::string> topic_refusal(const Room& room, const Session& s);
// An invitation lets one in once: `s` has joined `room`, and its invitation, if any, is used.
void use_invitation(Room& room, const Session& s);
// Whether a ban mask of `room` matches `s`.
bool banned(const Room& room, const Session& s);
// Whether `s` is an operator of `room`.
bool room_operator(const Room& room, const Session& s);

}  // namespace parley
