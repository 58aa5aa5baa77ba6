#pragma once
// A chat room (an IRC channel): its members in joining order with their status, its topic, its
// modes and its recent messages.
//
// Rooms are touched only from the server's one executor, so there are no locks on the message
// path. A room emits every event to every member (except, for a message, its sender): one
// shared event, each member's front end picking its wire form. A member that is too slow is
// disconnected by its own session, which only closes the socket there and then, so the member
// list never changes while it is being walked.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/event.hpp"
#include "shared/names.hpp"

namespace parley {

class RoomDirectory;
class Session;

// A member's status in a room: IRC's channel operator (@) and voice (+).
struct Member {
    enum : std::uint8_t { op = 1, voice = 2 };
    Session* session;
    std::uint8_t status = 0;
};

// Channel modes, as IRC sets them; they bind every member whatever protocol it speaks.
struct RoomModes {
    bool no_outside = true;  // +n: only members send to the room
    // +t: only operators set the topic. Off by default: on the plain side anybody in a room
    // has always set its topic, and an operator can still lock it.
    bool topic_ops = false;
    bool moderated = false;  // +m: only operators and voiced members speak
    bool invite_only = false;
    bool secret = false;    // +s: hidden from LIST and WHOIS of non-members
    std::string key;        // +k
    std::size_t limit = 0;  // +l, 0 = none
};

class Room {
  public:
    Room(RoomDirectory& directory, std::string name, std::size_t history_limit,
         std::size_t announce_limit, std::uint64_t serial = 0)
        : directory_(directory),
          name_(std::move(name)),
          key_(fold_case(name_)),
          serial_(serial),
          created_(std::chrono::system_clock::now()),
          history_limit_(history_limit),
          announce_limit_(announce_limit) {}

    // The directory that holds the room (and removes it when it empties).
    RoomDirectory& directory() const { return directory_; }
    const std::string& name() const { return name_; }
    // The name folded to lower case, as the history store keys rooms.
    const std::string& key() const { return key_; }
    // Which incarnation of the name this is: a room that empties and is created again is a new
    // room, and an answer from the history store for the old one must not reach it.
    std::uint64_t serial() const { return serial_; }
    std::chrono::system_clock::time_point created() const { return created_; }

    const std::string& topic() const { return topic_; }
    const std::string& topic_setter() const { return topic_setter_; }
    std::chrono::system_clock::time_point topic_time() const { return topic_time_; }
    void set_topic(std::string topic, std::string setter);

    RoomModes& modes() { return modes_; }
    const RoomModes& modes() const { return modes_; }
    // Ban masks (nick!user@host globs) and the nicknames invited past +i (folded).
    std::vector<std::string>& bans() { return bans_; }
    const std::vector<std::string>& bans() const { return bans_; }
    std::vector<std::string>& invited() { return invited_; }
    const std::vector<std::string>& invited() const { return invited_; }

    const std::vector<Member>& members() const { return members_; }
    std::size_t size() const { return members_.size(); }
    bool empty() const { return members_.empty(); }
    // The member entry of `s`, or null when it is not in the room.
    Member* find(const Session& s);
    const Member* find(const Session& s) const;
    bool has(const Session& s) const { return find(s) != nullptr; }

    void add(Session& s, std::uint8_t status) { members_.push_back(Member{&s, status}); }
    void remove(const Session& s);

    // Offers `e` to every member except `except` (may be null).
    void emit(const Event& e, const Session* except = nullptr) const;

    // Emits a message or action from `sender` to the others and keeps it as a recent message.
    void say(EventPtr e, const Session& sender);

    // A new --announce-limit (SIGHUP).
    void set_announce_limit(std::size_t limit) { announce_limit_ = limit; }

    // Whether the plain front end shows presence (join, part, quit, nick change) to every
    // member. A room past the announce limit keeps quiet: otherwise filling it costs N^2/2
    // notices (50 million for 10,000 clients reconnecting into #lobby) and its members could
    // not follow them anyway. IRC clients see every one: their nick lists depend on it.
    bool announces() const { return announce_limit_ == 0 || members_.size() <= announce_limit_; }

    // The recent messages, oldest first.
    const std::deque<EventPtr>& history() const { return history_; }

    // What the history store kept of this room before it was created (again): its last
    // messages, oldest first, go before those said since, and its topic applies unless one
    // was set since. Each member's front end is told, to show what it missed.
    void restore(std::vector<EventPtr> earlier, std::string topic, std::string setter,
                 std::chrono::system_clock::time_point topic_time);

  private:
    RoomDirectory& directory_;
    std::string name_;
    std::string key_;
    std::uint64_t serial_;
    std::chrono::system_clock::time_point created_;
    std::string topic_;
    std::string topic_setter_;
    std::chrono::system_clock::time_point topic_time_{};
    RoomModes modes_;
    std::vector<std::string> bans_;
    std::vector<std::string> invited_;
    std::vector<Member> members_;
    std::deque<EventPtr> history_;
    std::size_t history_limit_;
    std::size_t announce_limit_;
};

}  // namespace parley
