#pragma once
// A chat room: its members in joining order, its topic and its recent messages.
//
// Rooms are touched only from the server's one executor, so there are no locks on the message
// path. A broadcast offers one shared message to each member's outbox; a member that is too
// slow is disconnected by its own session, which only closes the socket there and then, so the
// member list never changes while it is being walked.

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "server/message.hpp"

namespace parley {

class RoomDirectory;
class Session;

class Room {
  public:
    Room(RoomDirectory& directory, std::string name, std::size_t history_limit,
         std::size_t announce_limit)
        : directory_(directory),
          name_(std::move(name)),
          history_limit_(history_limit),
          announce_limit_(announce_limit) {}

    // The directory that holds the room (and removes it when it empties).
    RoomDirectory& directory() const { return directory_; }
    const std::string& name() const { return name_; }
    const std::string& topic() const { return topic_; }
    void set_topic(std::string topic) { topic_ = std::move(topic); }

    const std::vector<Session*>& members() const { return members_; }
    std::size_t size() const { return members_.size(); }
    bool empty() const { return members_.empty(); }

    void add(Session& s) { members_.push_back(&s); }
    void remove(const Session& s);

    // Offers `m` to every member except `except` (may be null).
    void broadcast(const Message& m, const Session* except = nullptr) const;

    // Whether presence notices (join, leave, quit, nick change) go to every member. A room past
    // the announce limit keeps quiet: otherwise filling it costs N^2/2 notices (50 million for
    // 10,000 clients reconnecting into #lobby) and its members could not follow them anyway.
    bool announces() const { return announce_limit_ == 0 || members_.size() <= announce_limit_; }

    // A presence notice about `subject`: to every member if the room announces, else to
    // `subject` alone.
    void announce(const Message& m, Session& subject) const;

    // Broadcasts a chat line and keeps it as a recent message.
    void say(const Message& m, const Session& sender);

    // The recent messages, oldest first.
    const std::deque<Message>& history() const { return history_; }

  private:
    RoomDirectory& directory_;
    std::string name_;
    std::string topic_;
    std::vector<Session*> members_;
    std::deque<Message> history_;
    std::size_t history_limit_;
    std::size_t announce_limit_;
};

}  // namespace parley
