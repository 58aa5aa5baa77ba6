#include "shared/irc/mask.hpp"

#include "shared/folded.hpp"

namespace parley::irc {

bool mask_match(std::string_view mask, std::string_view subject) {
    constexpr auto none = std::string_view::npos;
    std::size_t m = 0;
    std::size_t s = 0;
    // Where the last '*' was, and the subject position it has been made to cover up to. On a
    // mismatch only that '*' takes one more byte: earlier stars never need to, since whatever
    // the mask after the last '*' can match, it can match as well further right (this is the
    // classic greedy wildcard match, as ircd's match() has done since the 1990s).
    std::size_t star = none;
    std::size_t covered = 0;
    while (s < subject.size()) {
        if (m < mask.size() && mask[m] == '*') {
            star = m++;
            covered = s;
        } else if (m < mask.size() &&
                   (mask[m] == '?' || fold_char(mask[m]) == fold_char(subject[s]))) {
            ++m;
            ++s;
        } else if (star != none) {
            m = star + 1;
            s = ++covered;
        } else {
            return false;
        }
    }
    while (m < mask.size() && mask[m] == '*') {
        ++m;
    }
    return m == mask.size();
}

std::string normalise_mask(std::string_view mask) {
    std::string_view nick;
    std::string_view user;
    std::string_view host;
    const std::size_t at = mask.find('@');
    const std::string_view before = mask.substr(0, at);
    const std::size_t bang = before.find('!');
    if (at != std::string_view::npos) {
        host = mask.substr(at + 1);
    }
    if (bang != std::string_view::npos) {
        nick = before.substr(0, bang);
        user = before.substr(bang + 1);
    } else if (at != std::string_view::npos) {
        user = before;
    } else if (before.find_first_of(".:") != std::string_view::npos) {
        host = before;
    } else {
        nick = before;
    }
    auto part = [](std::string_view p) { return p.empty() ? std::string_view("*") : p; };
    std::string out;
    out.reserve(mask.size() + 6);
    out.append(part(nick));
    out.push_back('!');
    out.append(part(user));
    out.push_back('@');
    out.append(part(host));
    return out;
}

}  // namespace parley::irc
