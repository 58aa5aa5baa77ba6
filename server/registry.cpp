#include "server/registry.hpp"

#include <fmt/format.h>

#include <utility>

namespace parley {

Registration Registry::add_guest(Session& s) {
    for (;;) {
        auto [it, inserted] = sessions_.try_emplace(fmt::format("guest{}", next_guest_++), &s);
        if (inserted) {
            return Registration(*this, &it->first);
        }
    }
}

Session* Registry::find(std::string_view nick) const {
    auto it = sessions_.find(nick);
    return it == sessions_.end() ? nullptr : it->second;
}

Registration::Registration(Registration&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), nick_(other.nick_) {}

// Finds by the key itself and erases by iterator: nothing here allocates or throws.
Registration::~Registration() {
    if (registry_ != nullptr) {
        auto& sessions = registry_->sessions_;
        sessions.erase(sessions.find(*nick_));
    }
}

bool Registration::rename(std::string_view nick) {
    auto& sessions = registry_->sessions_;
    std::string key(nick);  // allocated first: if that fails, nothing has changed
    if (!FoldedEqual{}(nick, *nick_) && sessions.contains(nick)) {
        return false;
    }
    // The same node is re-keyed, so nick_ stays valid.
    auto node = sessions.extract(sessions.find(*nick_));
    node.key().swap(key);
    nick_ = &sessions.insert(std::move(node)).position->first;
    return true;
}

}  // namespace parley
