// MODE: channel modes (+o +v +n +t +m +i +s +k +l +b) and user modes (+i +w +T, -o).
// Channel modes bind every member, plain ones included (room_rules.hpp); a change is an event,
// so plain clients see it too.

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "server/irc/irc_front_end.hpp"
#include "server/irc/numerics.hpp"
#include "server/registry.hpp"
#include "server/room_directory.hpp"
#include "server/room_rules.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/irc/mask.hpp"
#include "shared/irc/text.hpp"

namespace parley {

using namespace irc;

namespace {
constexpr std::size_t max_param_modes = 6;  // MODES=6
constexpr std::size_t max_bans = 100;       // MAXLIST=b:100
constexpr std::size_t max_key = 23;
}  // namespace

std::string IrcFrontEnd::channel_modes(const Room& room, bool with_key) const {
    const RoomModes& m = room.modes();
    std::string flags = "+";
    std::string params;
    if (m.invite_only)
        flags += 'i';
    if (!m.key.empty()) {
        flags += 'k';
        if (with_key)
            params += " " + m.key;
    }
    if (m.limit != 0) {
        flags += 'l';
        if (with_key)
            params += fmt::format(" {}", m.limit);
    }
    if (m.moderated)
        flags += 'm';
    if (m.no_outside)
        flags += 'n';
    if (m.secret)
        flags += 's';
    if (m.topic_ops)
        flags += 't';
    return flags + params;
}

std::string IrcFrontEnd::user_modes() const {
    std::string out = "+";
    if (invisible_)
        out += 'i';
    if (oper_)
        out += 'o';
    if (no_ctcp_)
        out += 'T';
    if (wallops_)
        out += 'w';
    return out;
}

void IrcFrontEnd::cmd_mode(const irc::Message& m) {
    if (m.param_count == 0) {
        need_more_params("MODE");
        return;
    }
    if (m.param(0).front() == '#') {
        Room* room = session_.state().rooms.find(m.param(0));
        if (room == nullptr || (room->modes().secret && !room->has(session_))) {
            numeric(ERR_NOSUCHCHANNEL, {m.param(0), "No such channel"});
            return;
        }
        channel_mode(*room, m);
        return;
    }
    user_mode(m);
}

void IrcFrontEnd::user_mode(const irc::Message& m) {
    Session* target = session_.state().registry.find(m.param(0));
    if (target == nullptr || !target->front().registered()) {
        numeric(ERR_NOSUCHNICK, {m.param(0), "No such nick/channel"});
        return;
    }
    if (target != &session_) {
        numeric(ERR_USERSDONTMATCH, {"Can't change mode for other users"});
        return;
    }
    if (m.param_count < 2) {
        numeric(RPL_UMODEIS, {user_modes()});
        return;
    }
    ServerState& state = session_.state();
    bool adding = true;
    std::string applied;
    char applied_sign = 0;
    bool unknown = false;
    for (const char c : m.param(1)) {
        if (c == '+' || c == '-') {
            adding = c == '+';
            continue;
        }
        bool* flag = nullptr;
        switch (c) {
            case 'i':
                flag = &invisible_;
                break;
            case 'w':
                flag = &wallops_;
                break;
            case 'T':
                flag = &no_ctcp_;
                break;
            case 'o':
                // Operator status comes from OPER only; it can be given up.
                if (!adding)
                    flag = &oper_;
                else
                    continue;
                break;
            default:
                unknown = true;
                continue;
        }
        if (*flag == adding) {
            continue;
        }
        *flag = adding;
        if (c == 'i') {
            state.irc_invisible += adding ? 1 : static_cast<std::size_t>(-1);
        } else if (c == 'o') {
            state.irc_opers -= 1;
        }
        const char sign = adding ? '+' : '-';
        if (sign != applied_sign) {
            applied.push_back(sign);
            applied_sign = sign;
        }
        applied.push_back(c);
    }
    if (unknown) {
        numeric(ERR_UMODEUNKNOWNFLAG, {"Unknown MODE flag"});
    }
    if (!applied.empty()) {
        line(session_.nick(), "MODE", {session_.nick(), applied});
    }
}

void IrcFrontEnd::channel_mode(Room& room, const irc::Message& m) {
    if (m.param_count < 2) {
        numeric(RPL_CHANNELMODEIS, {room.name(), channel_modes(room, room.has(session_))});
        numeric(RPL_CREATIONTIME,
                {room.name(), fmt::format("{}", std::chrono::duration_cast<std::chrono::seconds>(
                                                    room.created().time_since_epoch())
                                                    .count())});
        return;
    }
    const std::string_view changes = m.param(1);
    // "MODE #chan b" or "+b" alone lists the bans, which anybody may do.
    if ((changes == "b" || changes == "+b") && m.param_count == 2) {
        for (const std::string& mask : room.bans()) {
            numeric(RPL_BANLIST, {room.name(), mask});
        }
        numeric(RPL_ENDOFBANLIST, {room.name(), "End of channel ban list"});
        return;
    }
    if (!room_operator(room, session_)) {
        numeric(room.has(session_) ? ERR_CHANOPRIVSNEEDED : ERR_NOTONCHANNEL,
                {room.name(), room.has(session_) ? "You're not channel operator"
                                                 : "You're not on that channel"});
        return;
    }
    RoomModes& modes = room.modes();
    std::size_t next_param = 2;
    std::size_t param_modes = 0;
    const auto take_param = [&]() -> std::optional<std::string_view> {
        if (next_param >= m.param_count || param_modes >= max_param_modes) {
            return std::nullopt;
        }
        ++param_modes;
        return m.param(next_param++);
    };
    std::string flags;
    std::string params;
    char sign = 0;
    const auto applied = [&](bool adding, char c, std::string_view param = {}) {
        const char s = adding ? '+' : '-';
        if (s != sign) {
            flags.push_back(s);
            sign = s;
        }
        flags.push_back(c);
        if (!param.empty()) {
            params.push_back(' ');
            params.append(param);
        }
    };
    bool adding = true;
    for (const char c : changes) {
        switch (c) {
            case '+':
            case '-':
                adding = c == '+';
                break;
            case 'n':
            case 't':
            case 'm':
            case 'i':
            case 's': {
                bool& flag = c == 'n'   ? modes.no_outside
                             : c == 't' ? modes.topic_ops
                             : c == 'm' ? modes.moderated
                             : c == 'i' ? modes.invite_only
                                        : modes.secret;
                if (flag != adding) {
                    flag = adding;
                    applied(adding, c);
                }
                break;
            }
            case 'k': {
                auto key = take_param();
                if (adding) {
                    if (!key || key->empty() || key->size() > max_key ||
                        key->find_first_of(", ") != std::string_view::npos) {
                        if (key)
                            numeric(ERR_INVALIDKEY, {room.name(), "Key is not well-formed"});
                        break;
                    }
                    modes.key = *key;
                    applied(true, 'k', *key);
                } else if (!modes.key.empty()) {
                    modes.key.clear();
                    applied(false, 'k', "*");
                }
                break;
            }
            case 'l':
                if (adding) {
                    auto text = take_param();
                    std::size_t limit = 0;
                    if (!text ||
                        std::from_chars(text->data(), text->data() + text->size(), limit).ec !=
                            std::errc() ||
                        limit == 0) {
                        break;
                    }
                    modes.limit = limit;
                    applied(true, 'l', *text);
                } else if (modes.limit != 0) {
                    modes.limit = 0;
                    applied(false, 'l');
                }
                break;
            case 'b': {
                auto given = take_param();
                if (!given) {
                    break;
                }
                const std::string mask = normalise_mask(*given);
                auto& bans = room.bans();
                auto it = std::find_if(bans.begin(), bans.end(), [&](const std::string& b) {
                    return casefold_equal(b, mask);
                });
                if (adding && it == bans.end()) {
                    if (bans.size() >= max_bans) {
                        numeric(478, {room.name(), mask, "Channel ban list is full"});
                        break;
                    }
                    bans.push_back(mask);
                    applied(true, 'b', mask);
                } else if (!adding && it != bans.end()) {
                    bans.erase(it);
                    applied(false, 'b', mask);
                }
                break;
            }
            case 'o':
            case 'v': {
                auto nick = take_param();
                if (!nick) {
                    break;
                }
                Session* target = session_.state().registry.find(*nick);
                if (target == nullptr || !target->front().registered()) {
                    numeric(ERR_NOSUCHNICK, {*nick, "No such nick/channel"});
                    break;
                }
                Member* member = room.find(*target);
                if (member == nullptr) {
                    numeric(ERR_USERNOTINCHANNEL,
                            {target->nick(), room.name(), "They aren't on that channel"});
                    break;
                }
                const std::uint8_t bit = c == 'o' ? Member::op : Member::voice;
                if (((member->status & bit) != 0) != adding) {
                    member->status = adding ? (member->status | bit) : (member->status & ~bit);
                    applied(adding, c, target->nick());
                }
                break;
            }
            default:
                numeric(ERR_UNKNOWNMODE, {std::string_view(&c, 1), "is unknown mode char to me"});
                break;
        }
    }
    if (flags.empty()) {
        return;
    }
    Event e = session_.event(EventKind::mode, &room);
    e.text = flags + params;
    flush();
    room.emit(e);
}

}  // namespace parley
