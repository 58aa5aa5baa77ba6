#include "server/registry.hpp"

#include <fmt/format.h>

#include <utility>

#include "shared/names.hpp"

namespace parley {

Registration Registry::add_guest(Session& s) {
    for (;;) {
        std::string nick = fmt::format("guest{}", next_guest_++);
        if (!sessions_.contains(nick)) {
            return Registration(*this, std::move(nick), s);
        }
    }
}

Session* Registry::find(std::string_view nick) const {
    auto it = sessions_.find(fold_case(nick));
    return it == sessions_.end() ? nullptr : it->second;
}

Registration::Registration(Registry& r, std::string nick, Session& s)
    : registry_(&r), nick_(std::move(nick)), session_(&s) {
    registry_->sessions_.emplace(fold_case(nick_), session_);
}

Registration::Registration(Registration&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)),
      nick_(std::move(other.nick_)),
      session_(other.session_) {}

Registration::~Registration() {
    if (registry_ != nullptr) {
        registry_->sessions_.erase(fold_case(nick_));
    }
}

bool Registration::rename(std::string nick) {
    std::string old_key = fold_case(nick_);
    std::string new_key = fold_case(nick);
    if (new_key != old_key) {
        if (!registry_->sessions_.try_emplace(new_key, session_).second) {
            return false;
        }
        registry_->sessions_.erase(old_key);
    }
    nick_ = std::move(nick);
    return true;
}

}  // namespace parley
