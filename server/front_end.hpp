#pragma once
// A front end: what one protocol adds to the session core. The session coroutine, its guards,
// its outbox and its writer are the same for every client; what differs is how bytes become
// commands and how events become bytes, and that is the front end's part:
//
// - on_bytes(): input as it arrives, framed and parsed the protocol's way, each command
//   carried out on the shared state (rooms, registry) through the session;
// - show(): an event from a room or another user, turned into this protocol's wire form (built
//   once per event and form, see Event) and queued on the session, or skipped when this
//   protocol's clients do not see such events.
//
// A front end lives in its session coroutine's frame next to the session, so it costs an idle
// connection no allocation. Rooms, the registry and memberships never know which protocol a
// member speaks.

#include <chrono>
#include <string>
#include <string_view>

#include "server/event.hpp"
#include "server/message.hpp"

namespace parley {

class Room;

class FrontEnd {
  public:
    // Why the server itself ends a session, for the last line the client reads.
    enum class Farewell { shutdown, idle, refused };

    // The session has its guards: greet the client (plain) or wait for it to register (IRC).
    virtual void begin() = 0;
    // Bytes read from the client.
    virtual void on_bytes(std::string_view bytes) = 0;
    // An event for this client.
    virtual void show(const Event& e) = 0;
    // The line the client reads last when the server ends its session: `code` is the plain
    // protocol's error code ("server-full", "disconnected"), `text` says why.
    virtual Message farewell(Farewell why, std::string_view code, std::string_view text) = 0;
    // The session was removed from a room by someone else (kicked); the room may be gone.
    virtual void removed_from_room() = 0;
    // The history store gave `room` (which this client is in) the last `messages` of its recent
    // messages, said before it was created, and its topic when `topic`: show what the client
    // would have seen on joining a room that had stayed.
    virtual void restored(const Room&, std::size_t /*messages*/, bool /*topic*/) {}
    // Called by the server's sweep about once a second with the time since the client last
    // sent anything; IRC pings quiet clients and ends those that do not answer.
    virtual void on_idle(std::chrono::steady_clock::duration) {}
    // The user name IRC shows in nick!user@host.
    virtual std::string_view user() const = 0;
    // The real name IRC shows in WHO and WHOIS.
    virtual std::string_view realname() const = 0;
    // Whether the client has finished registering (an IRC client before NICK and USER is
    // connected but nobody can see or reach it).
    virtual bool registered() const { return true; }
    // IRC's user modes and away state, which plain clients never have.
    virtual bool invisible() const { return false; }  // +i
    virtual bool oper() const { return false; }       // +o
    virtual std::string_view away() const { return {}; }
    virtual bool wallops() const { return false; }  // +w: receives WALLOPS
    // A short name for logs: "plain" or "irc".
    virtual std::string_view protocol() const = 0;

  protected:
    ~FrontEnd() = default;
};

}  // namespace parley
