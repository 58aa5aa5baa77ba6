#include "server/whowas.hpp"

#include "server/session.hpp"
#include "shared/folded.hpp"

namespace parley {

void WhoWas::remember(const Session& s, std::string_view nick) {
    if (capacity_ == 0 || !s.front().registered()) {
        return;
    }
    if (entries_.size() == capacity_) {
        entries_.pop_front();
    }
    entries_.push_back(Entry{std::string(nick), std::string(s.front().user()), s.host(),
                             std::string(s.front().realname()), std::chrono::system_clock::now()});
}

std::vector<const WhoWas::Entry*> WhoWas::find(std::string_view nick, std::size_t count) const {
    std::vector<const Entry*> out;
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (FoldedEqual{}(it->nick, nick)) {
            out.push_back(&*it);
            if (count != 0 && out.size() == count) {
                break;
            }
        }
    }
    return out;
}

}  // namespace parley
