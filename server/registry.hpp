#pragma once
// Who is connected, by nickname (unique ignoring ASCII case). Every session is registered from
// its first moment (under a guest name), so the registry is also the list of live sessions that
// shutdown and the idle sweep walk.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "shared/folded.hpp"

namespace parley {

class Session;
class Registration;

class Registry {
  public:
    // Registers `s` under the next free guest name.
    Registration add_guest(Session& s);

    Session* find(std::string_view nick) const;
    std::size_t size() const { return sessions_.size(); }

    template <class F>
    void for_each(F&& f) const {
        for (const auto& [nick, s] : sessions_) {
            f(*s);
        }
    }

  private:
    friend class Registration;
    // Keyed by the nickname as its owner spelled it; lookups ignore case without folding a copy.
    std::unordered_map<std::string, Session*, FoldedHash, FoldedEqual> sessions_;
    std::uint64_t next_guest_ = 1;
};

// Scoped guard: a nickname held by one session, released when the session ends. The nickname
// itself lives once, as the registry's key.
class Registration {
  public:
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&&) = delete;
    ~Registration();

    const std::string& nick() const { return *nick_; }

    // Takes `nick` instead; false (and nothing changes) when someone else has it.
    // A change of case of one's own nickname is allowed.
    bool rename(std::string_view nick);

  private:
    friend class Registry;
    Registration(Registry& r, const std::string* nick) : registry_(&r), nick_(nick) {}

    Registry* registry_;       // null once moved from
    const std::string* nick_;  // the registry's key: nodes never move
};

}  // namespace parley
