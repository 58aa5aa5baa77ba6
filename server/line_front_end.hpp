#pragma once
// The plain front end: Parley's own line protocol, for nc and telnet (docs/protocol.md).
//
// Input: telnet negotiation is filtered out, the rest is framed into lines, and each line is
// checked (rate, UTF-8, control characters) before it is parsed and carried out
// (line_input.cpp); every refusal is a strike, and too many strikes end the session. Commands
// are in line_commands.cpp.
//
// Output: events as Parley's lines (line_events.cpp). A plain client is in one room at a
// time and sees presence (joins, parts, quits, nick changes) only while its room is within
// --announce-limit; text from IRC users loses its formatting codes before it reaches a
// terminal.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/front_end.hpp"
#include "server/history_requests.hpp"
#include "server/lines.hpp"
#include "server/protocol.hpp"
#include "shared/command.hpp"
#include "shared/line_reader.hpp"
#include "shared/rate_limiter.hpp"
#include "shared/telnet.hpp"

namespace parley {

class Room;
class Session;

// Text as a terminal may show it: without IRC's formatting codes and CTCP framing.
std::string plain_text(std::string_view text);

class LineFrontEnd final : public FrontEnd {
  public:
    static constexpr Protocol protocol_kind = Protocol::plain;

    explicit LineFrontEnd(Session& session);
    ~LineFrontEnd();
    LineFrontEnd(const LineFrontEnd&) = delete;
    LineFrontEnd& operator=(const LineFrontEnd&) = delete;

    void begin() override;
    void on_bytes(std::string_view bytes) override;
    void show(const Event& e) override;
    void removed_from_room() override;
    void restored(const Room& room, std::size_t messages, bool topic) override;
    Message farewell(Farewell why, std::string_view code, std::string_view text) override;
    std::string_view user() const override { return "plain"; }
    std::string_view realname() const override { return "Parley plain client"; }
    std::string_view protocol() const override { return "plain"; }

  private:
    void on_line(std::string_view line);
    // A line refused with `code` (counted, see Metrics), and a strike.
    void refuse(std::string_view code, std::string_view text);
    // A line answered with the error `code` instead of being carried out (counted).
    void error(std::string_view code, std::string_view text);
    void strike(std::string_view reason);
    Lines lines() const;
    void deliver(const Message& m);
    bool sees_presence(const Event& e) const;

    // Commands (line_commands.cpp).
    void handle(const cmd::Say& c);
    void handle(const cmd::Help& c);
    void handle(const cmd::Nick& c);
    void handle(const cmd::Join& c);
    void handle(const cmd::Leave& c);
    void handle(const cmd::Rooms& c);
    void handle(const cmd::Who& c);
    void handle(const cmd::Msg& c);
    void handle(const cmd::Me& c);
    void handle(const cmd::Topic& c);
    void handle(const cmd::History& c);
    void handle(const cmd::Quit& c);
    void handle(const cmd::Empty& c);
    void handle(const cmd::Error& c);
    void greet();
    void enter(Room& room);  // joins `room` and shows its join block
    void move_to(Room& room);
    void say(EventKind kind, std::string_view text);
    // A /history page of the room `serial` (if the client is still there) arrived.
    void show_history(std::uint64_t serial, const std::vector<EventPtr>& page, bool failed);

    Session& session_;
    TelnetFilter telnet_;
    LineReader line_reader_;
    bool flood_reported_ = false;
    // /history pages back from here: the oldest message shown so far (0: from the latest).
    std::uint64_t history_before_ = 0;
    // /history's bounds, rate and answers, as for every history request.
    HistoryRequests history_;
};

}  // namespace parley
