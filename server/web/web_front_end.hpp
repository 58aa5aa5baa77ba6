#pragma once
// The web front end: browsers, speaking JSON over a WebSocket (docs/protocol.md, "Browsers").
// A browser's session is a session like the others (the same coroutine, guards, outbox and
// writer); it reaches this front end through the HTTP listener, which checks the WebSocket
// handshake and the page's Origin, answers 101 and hands the connection to serve<WebFrontEnd>.
//
// Input (web_input.cpp): bytes are WebSocket frames (shared/websocket, RFC 6455), each text
// message a JSON command (shared/web/command) taken from the client's --rate like a line;
// pings are answered, a Close is answered with a Close, and broken framing closes the
// connection with RFC 6455's code. Commands are carried out in web_commands.cpp.
//
// Output (web_events.cpp): one text frame per JSON message. An event's frame is built once and
// shared by every browser that sees it (Form::json; server frames are never masked, so every
// recipient gets the same bytes). Unlike a terminal, a browser keeps member lists, so it sees
// every join, part, quit and nick change in its rooms, as IRC clients do; and it is told its
// own messages back as events, with their id and time.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "server/front_end.hpp"
#include "server/history_requests.hpp"
#include "server/protocol.hpp"
#include "shared/web/command.hpp"
#include "shared/websocket/frame.hpp"

namespace parley {

class Room;
class Session;

class WebFrontEnd final : public FrontEnd {
  public:
    static constexpr Protocol protocol_kind = Protocol::web;

    explicit WebFrontEnd(Session& session);
    ~WebFrontEnd();
    WebFrontEnd(const WebFrontEnd&) = delete;
    WebFrontEnd& operator=(const WebFrontEnd&) = delete;

    void begin() override;
    void on_bytes(std::string_view bytes) override;
    void show(const Event& e) override;
    void removed_from_room() override {}
    void restored(const Room& room, std::size_t messages, bool topic) override;
    Message farewell(Farewell why, std::string_view code, std::string_view text) override;
    std::string_view user() const override { return "web"; }
    std::string_view realname() const override { return "Parley web client"; }
    std::string_view protocol() const override { return "web"; }

    // The largest WebSocket message a browser may send: room for a --max-line text and its
    // JSON around it, never less than 16 KiB.
    static std::size_t max_message(std::size_t max_line);

  private:
    // Input (web_input.cpp).
    void on_message(std::string_view json);
    // Ends the session with a Close frame carrying `code` and `reason`.
    void close(std::uint16_t code, std::string_view reason, Ending cause);
    // A command refused with `code` (counted, see Metrics); a strike if `strike`.
    void error(std::string_view code, std::string_view text, const std::string& ref,
               bool strike = false);
    // Whether `text` may be said (UTF-8 without control characters, at most --max-line bytes);
    // if not, the client is told why.
    bool acceptable(std::string_view text, const std::string& ref);
    void send(const nlohmann::ordered_json& j);

    // Commands (web_commands.cpp).
    void carry_out(web::Command& c);
    void say(const web::Command& c, EventKind kind);
    void message(const web::Command& c);
    void nick(const web::Command& c);
    void join(const web::Command& c);
    void part(const web::Command& c);
    void topic(const web::Command& c);
    void who(const web::Command& c);
    void rooms(const web::Command& c);
    void history(const web::Command& c);
    // The room `name` names if this client is in it, else null (and the client is told).
    Room* my_room(std::string_view name, const std::string& ref);
    // Joins `room` and tells the client: `joined`, then its recent messages (`history`).
    void enter(Room& room, const std::string& ref);
    // The `joined` answer and the scrollback after it.
    void send_joined(const Room& room, const std::string& ref);
    // A `history` answer: `events` of `room`, oldest first.
    void send_history(const Room& room, const std::vector<EventPtr>& events, bool more,
                      const std::string& ref);

    Session& session_;
    ws::MessageReader reader_;
    bool flood_reported_ = false;
    HistoryRequests history_;
};

}  // namespace parley
