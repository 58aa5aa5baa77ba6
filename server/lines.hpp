#pragma once
// Builds the wire bytes of one message out of one or more lines, each with the timestamp
// prefix when the server runs with --timestamps.

#include <chrono>
#include <string>
#include <string_view>

#include "server/message.hpp"
#include "shared/wire.hpp"

namespace parley {

class Lines {
  public:
    // Lines stamped with `when` (an event's time: a message replayed from history keeps its
    // own); the default is the time each line is added.
    explicit Lines(bool timestamps, std::chrono::system_clock::time_point when = {})
        : timestamps_(timestamps), when_(when) {}

    Lines& room_message(std::string_view room, std::string_view nick, std::string_view text) {
        stamp();
        wire::append_room_message(out_, room, nick, text);
        return *this;
    }
    Lines& room_action(std::string_view room, std::string_view nick, std::string_view text) {
        stamp();
        wire::append_room_action(out_, room, nick, text);
        return *this;
    }
    Lines& private_message(std::string_view from, std::string_view text) {
        stamp();
        wire::append_private(out_, from, text);
        return *this;
    }
    Lines& private_echo(std::string_view to, std::string_view text) {
        stamp();
        wire::append_private_echo(out_, to, text);
        return *this;
    }
    Lines& notice(std::string_view text) {
        stamp();
        wire::append_notice(out_, text);
        return *this;
    }
    Lines& info(std::string_view text) {
        stamp();
        wire::append_info(out_, text);
        return *this;
    }
    Lines& error(std::string_view code, std::string_view text) {
        stamp();
        wire::append_error(out_, code, text);
        return *this;
    }

    bool empty() const { return out_.empty(); }
    Message done() { return make_message(std::move(out_)); }

  private:
    void stamp() {
        if (timestamps_) {
            wire::append_timestamp(out_, when_ == std::chrono::system_clock::time_point{}
                                             ? std::chrono::system_clock::now()
                                             : when_);
        }
    }

    bool timestamps_;
    std::chrono::system_clock::time_point when_;
    std::string out_;
};

}  // namespace parley
