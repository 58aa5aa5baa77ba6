#pragma once
// Who was here: the last nicknames given up (by a nick change or a quit), for IRC's WHOWAS.
// Bounded: the oldest entries go first, so a client changing its nick in a loop cannot grow it.

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

class Session;

class WhoWas {
  public:
    struct Entry {
        std::string nick, user, host, realname;
        std::chrono::system_clock::time_point when;
    };

    explicit WhoWas(std::size_t capacity = 1000) : capacity_(capacity) {}

    // Remembers that `s` was called `nick` until now.
    void remember(const Session& s, std::string_view nick);
    // The entries for `nick` (ignoring case), newest first, at most `count` (0: all).
    std::vector<const Entry*> find(std::string_view nick, std::size_t count) const;

  private:
    std::deque<Entry> entries_;
    std::size_t capacity_;
};

}  // namespace parley
