#pragma once
// An event: a record of something that happened in a room or between two users — a message, an
// action, a join, a part, a quit, a nick change, a topic — as every front end needs it, and
// not yet in anybody's wire format.
//
// Rooms emit every event to every member; each member's front end decides what its client sees
// and in which form (the plain front end keeps quiet about presence in big rooms; IRC clients
// need every JOIN and QUIT or their nick lists go wrong). A wire form is built once, on first
// use, and shared by every member who speaks it: a message to a thousand members costs one
// line per wire format and one reference per recipient, never a copy per recipient.
//
// Events live on one executor, like everything they are delivered on, so the lazily built
// forms need no synchronisation.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "server/message.hpp"

namespace parley {

class Room;
class Session;

enum class EventKind : std::uint8_t {
    message,  // text to a room or to one user (`target`)
    action,   // /me, CTCP ACTION
    notice,   // IRC NOTICE: a message that must never be answered automatically
    join,     // `text`: the joiner's real name (IRC extended-join)
    part,     // `text`: the reason, may be empty
    quit,     // `text`: the reason
    nick,     // `text`: the new nickname (`nick` is the old one)
    topic,    // `text`: the new topic, empty when cleared
    kick,     // `target`: who was kicked, `text`: the reason
    mode,     // `text`: the mode change as IRC writes it ("+o bob")
    away,     // `text`: the away message, empty when back (IRC away-notify)
    invite,   // `target`: who was invited (IRC invite-notify, to the channel's operators)
    tagmsg,   // IRC TAGMSG: client tags and no text, for message-tags clients only
};

// The wire forms an event may be asked for. One slot each; front ends pick theirs.
enum class Form : std::uint8_t {
    plain,              // Parley's line protocol (with --timestamps when the server runs so)
    irc,                // an IRC line
    irc_time,           // the same with IRCv3's @time tag (server-time)
    irc_extended,       // IRC's extended-join form of a JOIN
    irc_extended_time,  // and with @time
    irc_tags,           // with IRCv3 message tags: msgid and the sender's client tags
    irc_tags_time,      // and with @time
    json,               // a WebSocket text frame holding the event as JSON, for browsers
    count
};

struct Event {
    EventKind kind = EventKind::message;
    std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
    // Who caused it; null for events replayed from history, whose sender may be gone.
    const Session* origin = nullptr;
    // The room it happened in; null for private messages, quits and nick changes, which
    // reach the peers of every room their subject shares.
    const Room* room = nullptr;
    std::string nick;    // who did it, as they were called then
    std::string source;  // the same as IRC writes a user: nick!user@host
    std::string target;  // a private message's recipient, the kicked or invited nickname
    std::string text;
    // Messages are numbered (IRC's msgid); 0 for other events.
    std::uint64_t id = 0;
    // The sender's client-only tags ("+key=value;..." escaped), relayed to message-tags clients.
    std::string client_tags;

    // The wire form `f`, built by `build()` (which returns a Message) the first time it is
    // asked for and shared after that.
    template <class Build>
    const Message& form(Form f, Build&& build) const {
        Message& m = forms_[static_cast<std::size_t>(f)];
        if (!m) {
            m = build();
        }
        return m;
    }

    // The wire form `f` if it has been built, else null.
    const Message& built(Form f) const { return forms_[static_cast<std::size_t>(f)]; }

  private:
    mutable std::array<Message, static_cast<std::size_t>(Form::count)> forms_;
};

// Events that rooms keep (their recent messages) are shared.
using EventPtr = std::shared_ptr<const Event>;

}  // namespace parley
