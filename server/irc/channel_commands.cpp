// Channels on IRC: JOIN, PART, TOPIC, NAMES, LIST, KICK, INVITE. A channel is a Parley room;
// what happens in it reaches plain clients too, as events.

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "server/irc/irc_front_end.hpp"
#include "server/irc/numerics.hpp"
#include "server/memberships.hpp"
#include "server/registry.hpp"
#include "server/room_directory.hpp"
#include "server/room_rules.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/irc/format.hpp"
#include "shared/irc/mask.hpp"
#include "shared/irc/text.hpp"
#include "shared/names.hpp"

namespace parley {

using namespace irc;

namespace {

// CHANLIMIT: channels one IRC client may be in, so that what one client costs is bounded.
constexpr std::size_t max_channels = 100;
// LIST replies at most: ~1.2 MB at 600 bytes each is past the default outbox.
constexpr std::size_t max_list_replies = 1000;
// TOPICLEN, KICKLEN: longer texts are cut (at a UTF-8 boundary).
constexpr std::size_t max_text = 390;

// Calls f(item) for each item of a comma-separated list, empty items skipped.
template <class F>
void for_each_item(std::string_view list, F&& f) {
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string_view item = list.substr(0, comma);
        list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
        if (!item.empty()) {
            f(item);
        }
    }
}

}  // namespace

void IrcFrontEnd::cmd_join(const irc::Message& m) {
    if (m.param_count == 0) {
        need_more_params("JOIN");
        return;
    }
    if (m.param(0) == "0") {
        part_all();
        return;
    }
    std::vector<std::string_view> keys;
    for_each_item(m.param(1), [&](std::string_view k) { keys.push_back(k); });
    std::size_t i = 0;
    for_each_item(m.param(0), [&](std::string_view name) {
        join_one(name, i < keys.size() ? keys[i] : std::string_view{});
        ++i;
    });
}

void IrcFrontEnd::join_one(std::string_view name, std::string_view key) {
    if (room_problem(name)) {
        if (name.front() == '#') {
            numeric(ERR_BADCHANMASK, {name, "Bad Channel Mask"});
        } else {
            numeric(ERR_NOSUCHCHANNEL, {name, "No such channel"});
        }
        return;
    }
    ServerState& state = session_.state();
    Room* existing = state.rooms.find(name);
    if (existing != nullptr && existing->has(session_)) {
        return;  // already there: nothing to do
    }
    if (session_.rooms().count() >= max_channels) {
        numeric(ERR_TOOMANYCHANNELS, {name, "You have joined too many channels"});
        return;
    }
    if (existing != nullptr) {
        if (auto refusal = join_refusal(*existing, session_, key)) {
            numeric(refusal->numeric, {existing->name(), refusal->text});
            return;
        }
    }
    if (existing == nullptr && !state.rooms.can_open(name)) {
        // Server-wide, not this client's CHANLIMIT (405): "temporarily unavailable" is what
        // RFC 2812 has for a channel that cannot be joined for now.
        numeric(ERR_UNAVAILRESOURCE,
                {name, "The server has as many channels as it takes; join an existing one"});
        return;
    }
    Room& room = existing != nullptr ? *existing : state.rooms.open(name);
    // The first member of a new channel is its operator.
    const bool first = room.empty() && &room != &state.rooms.lobby();
    session_.rooms().join(room, first ? Member::op : 0);
    use_invitation(room, session_);
    Event joined = session_.event(EventKind::join, &room);
    joined.text = realname_;
    flush();
    room.emit(joined);
    if (!away_.empty()) {
        // away-notify: clients learn that the newcomer is away without asking.
        Event away = session_.event(EventKind::away, &room);
        away.text = away_;
        room.emit(away, &session_);
    }
    send_topic(room, false);
    send_names(room);
}

void IrcFrontEnd::part_all() {
    std::vector<Room*> rooms;
    session_.rooms().for_each_room([&](Room& r) { rooms.push_back(&r); });
    flush();
    for (Room* room : rooms) {
        session_.rooms().leave(*room, session_.event(EventKind::part, room));
    }
}

void IrcFrontEnd::cmd_part(const irc::Message& m) {
    if (m.param_count == 0) {
        need_more_params("PART");
        return;
    }
    for_each_item(m.param(0), [&](std::string_view name) {
        Room* room = session_.state().rooms.find(name);
        if (room == nullptr) {
            numeric(ERR_NOSUCHCHANNEL, {name, "No such channel"});
            return;
        }
        if (!room->has(session_)) {
            numeric(ERR_NOTONCHANNEL, {room->name(), "You're not on that channel"});
            return;
        }
        Event e = session_.event(EventKind::part, room);
        e.text = cut_utf8(m.param(1), max_text);
        flush();
        session_.rooms().leave(*room, e);
    });
}

void IrcFrontEnd::restored(const Room& room, std::size_t, bool topic) {
    if (topic) {
        flush();
        send_topic(room, false);
        flush();
    }
}

void IrcFrontEnd::send_topic(const Room& room, bool when_empty) {
    if (room.topic().empty()) {
        if (when_empty) {
            numeric(RPL_NOTOPIC, {room.name(), "No topic is set"});
        }
        return;
    }
    numeric(RPL_TOPIC, {room.name(), room.topic()});
    numeric(RPL_TOPICWHOTIME, {room.name(), room.topic_setter(),
                               fmt::format("{}", std::chrono::duration_cast<std::chrono::seconds>(
                                                     room.topic_time().time_since_epoch())
                                                     .count())});
}

void IrcFrontEnd::cmd_topic(const irc::Message& m) {
    if (m.param_count == 0) {
        need_more_params("TOPIC");
        return;
    }
    Room* room = session_.state().rooms.find(m.param(0));
    if (room == nullptr) {
        numeric(ERR_NOSUCHCHANNEL, {m.param(0), "No such channel"});
        return;
    }
    if (m.param_count == 1) {
        if (room->modes().secret && !room->has(session_)) {
            numeric(ERR_NOTONCHANNEL, {room->name(), "You're not on that channel"});
            return;
        }
        send_topic(*room, true);
        return;
    }
    if (auto refusal = topic_refusal(*room, session_)) {
        numeric(room->has(session_) ? ERR_CHANOPRIVSNEEDED : ERR_NOTONCHANNEL,
                {room->name(), *refusal});
        return;
    }
    room->set_topic(std::string(cut_utf8(m.param(1), max_text)), session_.nick());
    Event e = session_.event(EventKind::topic, room);
    e.text = room->topic();
    flush();
    room->emit(e);
}

void IrcFrontEnd::send_names(const Room& room, bool end) {
    const bool member = room.has(session_);
    const std::string_view symbol = room.modes().secret ? "@" : "=";
    // 353 lines of names that fit IRC's 512 bytes.
    const std::size_t fits = trailing_room(server(), "353", {me(), symbol, room.name()});
    std::string names;
    const auto send = [&] {
        numeric(RPL_NAMREPLY, {symbol, room.name(), names});
        names.clear();
    };
    for (const Member& mem : room.members()) {
        const Session& s = *mem.session;
        if (!member && s.front().invisible()) {
            continue;  // +i users are listed only to those who share the channel
        }
        std::string name;
        if ((mem.status & Member::op) != 0) {
            name.push_back('@');
        }
        if ((mem.status & Member::voice) != 0 &&
            (has(Cap::multi_prefix) || (mem.status & Member::op) == 0)) {
            name.push_back('+');
        }
        name.append(has(Cap::userhost_in_names) ? s.source() : s.nick());
        if (!names.empty() && names.size() + 1 + name.size() > fits) {
            send();
        }
        if (!names.empty()) {
            names.push_back(' ');
        }
        names.append(name);
    }
    if (!names.empty()) {
        send();
    }
    if (end) {
        numeric(RPL_ENDOFNAMES, {room.name(), "End of /NAMES list"});
    }
}

void IrcFrontEnd::cmd_names(const irc::Message& m) {
    if (m.param_count == 0) {
        numeric(RPL_ENDOFNAMES, {"*", "End of /NAMES list"});
        return;
    }
    // The names of every channel asked for, then one 366 naming them all as asked (RFC 2812);
    // a channel that does not exist, or is secret to this client, just has no names.
    for_each_item(m.param(0), [&](std::string_view name) {
        const Room* room = session_.state().rooms.find(name);
        if (room != nullptr && !room->empty() && (!room->modes().secret || room->has(session_))) {
            send_names(*room, false);
        }
    });
    numeric(RPL_ENDOFNAMES, {m.param(0), "End of /NAMES list"});
}

void IrcFrontEnd::cmd_list(const irc::Message& m) {
    // Parameters: channels or masks ("#a*", "!#b*"), and ELIST=U's member count filters
    // ("<10", ">2"), in one comma-separated list or two.
    std::vector<std::string_view> masks, negated;
    std::size_t more_than = 0, fewer_than = SIZE_MAX;
    for (std::size_t p = 0; p < m.param_count && p < 2; ++p) {
        for_each_item(m.param(p), [&](std::string_view item) {
            if (item.front() == '>' || item.front() == '<') {
                std::size_t n = 0;
                for (const char c : item.substr(1)) {
                    if (c < '0' || c > '9') {
                        return;
                    }
                    n = std::min<std::size_t>(n * 10 + static_cast<std::size_t>(c - '0'),
                                              SIZE_MAX / 20);
                }
                (item.front() == '>' ? more_than : fewer_than) = n;
            } else if (item.front() == '!') {
                negated.push_back(item.substr(1));
            } else {
                masks.push_back(item);
            }
        });
    }
    numeric(RPL_LISTSTART, {"Channel", "Users  Name"});
    // One reply must fit in the client's outbox (--outbox-bytes) or it would be evicted for
    // asking: past max_list_replies channels the list is cut, and 323 says so.
    std::size_t listed = 0, left_out = 0;
    for (const Room* room : session_.state().rooms.list()) {
        // Only channels with members: an empty #lobby is the plain side's convenience.
        if (room->empty() || (room->modes().secret && !room->has(session_))) {
            continue;
        }
        if (room->size() <= more_than || room->size() >= fewer_than) {
            continue;
        }
        const auto matches = [&](std::string_view mask) { return mask_match(mask, room->name()); };
        if ((!masks.empty() && std::none_of(masks.begin(), masks.end(), matches)) ||
            std::any_of(negated.begin(), negated.end(), matches)) {
            continue;
        }
        if (listed == max_list_replies) {
            ++left_out;
            continue;
        }
        ++listed;
        numeric(RPL_LIST, {room->name(), fmt::format("{}", room->size()),
                           fmt::format("[{}] {}", channel_modes(*room, false), room->topic())});
    }
    numeric(RPL_LISTEND,
            {left_out == 0 ? std::string("End of /LIST")
                           : fmt::format("End of /LIST ({} more channels not shown; narrow it "
                                         "with a mask or >N)",
                                         left_out)});
}

// KICK #chan nick,nick or KICK #a,#b nick1,nick2 (a channel per nick, RFC 2812). Each kick is
// one KICK line to the channel, never one naming several.
void IrcFrontEnd::cmd_kick(const irc::Message& m) {
    if (m.param_count < 2) {
        need_more_params("KICK");
        return;
    }
    std::vector<std::string_view> channels, nicks;
    for_each_item(m.param(0), [&](std::string_view c) { channels.push_back(c); });
    for_each_item(m.param(1), [&](std::string_view n) { nicks.push_back(n); });
    if (channels.empty() || nicks.empty() ||
        (channels.size() != 1 && channels.size() != nicks.size())) {
        need_more_params("KICK");
        return;
    }
    const std::string_view reason =
        m.param_count > 2 ? cut_utf8(m.param(2), max_text) : std::string_view(session_.nick());
    for (std::size_t i = 0; i < nicks.size(); ++i) {
        kick_one(channels.size() == 1 ? channels[0] : channels[i], nicks[i], reason);
    }
}

void IrcFrontEnd::kick_one(std::string_view channel, std::string_view nick,
                           std::string_view reason) {
    // Looked up for every kick: kicking a channel's last member (an operator may kick itself)
    // removes the channel.
    Room* room = session_.state().rooms.find(channel);
    if (room == nullptr) {
        numeric(ERR_NOSUCHCHANNEL, {channel, "No such channel"});
        return;
    }
    if (!room->has(session_)) {
        numeric(ERR_NOTONCHANNEL, {room->name(), "You're not on that channel"});
        return;
    }
    if (!room_operator(*room, session_)) {
        numeric(ERR_CHANOPRIVSNEEDED, {room->name(), "You're not channel operator"});
        return;
    }
    Session* target = session_.state().registry.find(nick);
    if (target == nullptr || !room->has(*target)) {
        numeric(ERR_USERNOTINCHANNEL, {nick, room->name(), "They aren't on that channel"});
        return;
    }
    Event e = session_.event(EventKind::kick, room);
    e.target = target->nick();
    e.text = reason;
    flush();
    target->rooms().leave(*room, e);  // may remove the room
    target->front().removed_from_room();
}

void IrcFrontEnd::cmd_invite(const irc::Message& m) {
    if (m.param_count == 0) {
        // The channels this client is invited to.
        const std::string folded = fold_case(session_.nick());
        for (const Room* room : session_.state().rooms.list()) {
            const auto& invited = room->invited();
            if (std::find(invited.begin(), invited.end(), folded) != invited.end()) {
                numeric(RPL_INVITELIST, {room->name()});
            }
        }
        numeric(RPL_ENDOFINVITELIST, {"End of /INVITE list"});
        return;
    }
    if (m.param_count < 2) {
        need_more_params("INVITE");
        return;
    }
    Session* target = session_.state().registry.find(m.param(0));
    if (target == nullptr || !target->front().registered()) {
        numeric(ERR_NOSUCHNICK, {m.param(0), "No such nick/channel"});
        return;
    }
    Room* room = session_.state().rooms.find(m.param(1));
    if (room == nullptr) {
        numeric(ERR_NOSUCHCHANNEL, {m.param(1), "No such channel"});
        return;
    }
    if (!room->has(session_)) {
        numeric(ERR_NOTONCHANNEL, {room->name(), "You're not on that channel"});
        return;
    }
    if (room->modes().invite_only && !room_operator(*room, session_)) {
        numeric(ERR_CHANOPRIVSNEEDED, {room->name(), "You're not channel operator"});
        return;
    }
    if (room->has(*target)) {
        numeric(ERR_USERONCHANNEL, {target->nick(), room->name(), "is already on channel"});
        return;
    }
    auto& invited = room->invited();
    const std::string folded = fold_case(target->nick());
    if (std::find(invited.begin(), invited.end(), folded) == invited.end()) {
        // Bounded like the ban list: a client cannot grow a channel without limit.
        if (invited.size() >= 100) {
            invited.erase(invited.begin());
        }
        invited.push_back(folded);
    }
    numeric(RPL_INVITING, {target->nick(), room->name()});
    Event e = session_.event(EventKind::invite, room);
    e.target = target->nick();
    flush();
    target->show(e);
    room->emit(e, &session_);  // the operators with invite-notify
}

}  // namespace parley
