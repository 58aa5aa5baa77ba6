#pragma once
// Who is connected, by case-folded nickname. Every session is registered from its first
// moment (under a guest name), so the registry is also the list of live sessions that
// shutdown and the idle sweep walk.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

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
        for (const auto& [key, s] : sessions_) {
            f(*s);
        }
    }

  private:
    friend class Registration;
    std::unordered_map<std::string, Session*> sessions_;
    std::uint64_t next_guest_ = 1;
};

// Scoped guard: a nickname held by one session, released when the session ends.
class Registration {
  public:
    Registration(Registry& r, std::string nick, Session& s);
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&&) = delete;
    ~Registration();

    const std::string& nick() const { return nick_; }

    // Takes `nick` instead; false (and nothing changes) when someone else has it.
    // A change of case of one's own nickname is allowed.
    bool rename(std::string nick);

  private:
    Registry* registry_;
    std::string nick_;
    Session* session_;
};

}  // namespace parley
