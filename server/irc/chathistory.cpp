// CHATHISTORY (IRCv3 draft/chathistory): LATEST, BEFORE, AFTER, AROUND and BETWEEN for
// channels the client is in, answered in a `chathistory` batch from the history store, or from
// the channel's recent messages without one. Bounded and rate-limited as the plain side's
// /history is (server/history_requests.hpp). Private messages are not kept, so a nickname is
// no target and TARGETS is not offered.

#include <fmt/format.h>

#include "server/irc/irc_front_end.hpp"
#include "server/irc/numerics.hpp"
#include "server/room.hpp"
#include "server/room_directory.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/irc/chathistory.hpp"
#include "shared/irc/format.hpp"

namespace parley {

using namespace irc;

namespace {

store::Ref ref_of(const HistoryRef& r) {
    switch (r.kind) {
        case HistoryRef::Kind::msgid:
            return store::Ref::message(r.msgid.id);
        case HistoryRef::Kind::timestamp:
            return store::Ref::at(r.time_ms);
        case HistoryRef::Kind::star:
            break;
    }
    return {};
}

// Whether `a` comes before `b`: by id when both are msgids (ids are the store's order), else
// by time (a msgid carries its message's time).
bool earlier(const HistoryRef& a, const HistoryRef& b) {
    if (a.kind == HistoryRef::Kind::msgid && b.kind == HistoryRef::Kind::msgid) {
        return a.msgid.id < b.msgid.id;
    }
    const auto time = [](const HistoryRef& r) {
        return r.kind == HistoryRef::Kind::msgid ? r.msgid.time_ms : r.time_ms;
    };
    return time(a) < time(b);
}

store::Query query_of(const HistoryRequest& r) {
    store::Query q;
    q.limit = r.limit;
    switch (r.sub) {
        case HistorySub::latest:
            q.after = ref_of(r.from);  // none for '*'
            break;
        case HistorySub::before:
            q.before = ref_of(r.from);
            break;
        case HistorySub::after:
            q.after = ref_of(r.from);
            q.oldest = true;
            break;
        case HistorySub::around:
            q.around = ref_of(r.from);
            break;
        case HistorySub::between:
            // Counted from the first reference, forwards or backwards in time.
            if (earlier(r.from, r.to)) {
                q.after = ref_of(r.from);
                q.before = ref_of(r.to);
                q.oldest = true;
            } else {
                q.after = ref_of(r.to);
                q.before = ref_of(r.from);
            }
            break;
        case HistorySub::targets:
            break;
    }
    return q;
}

}  // namespace

void IrcFrontEnd::history_fail(std::string_view code,
                               std::initializer_list<std::string_view> context,
                               std::string_view text) {
    std::vector<std::string_view> params{"CHATHISTORY", code};
    params.insert(params.end(), context.begin(), context.end());
    params.push_back(text);
    append_message(out_, {}, server(), "FAIL", params, Trailing::always);
}

void IrcFrontEnd::cmd_chathistory(const irc::Message& m) {
    const HistoryParse p = parse_chathistory(m.params(), max_history_page);
    const HistoryRequest& r = p.request;
    switch (p.problem) {
        case HistoryProblem::none:
            break;
        case HistoryProblem::no_subcommand:
            need_more_params("CHATHISTORY");
            return;
        case HistoryProblem::unknown_subcommand:
            history_fail("INVALID_PARAMS", {r.subcommand}, "Unknown command");
            return;
        case HistoryProblem::not_enough_params:
            history_fail("INVALID_PARAMS", {r.subcommand}, "Insufficient parameters");
            return;
        case HistoryProblem::too_many_params:
            history_fail("INVALID_PARAMS", {r.subcommand}, "Too many parameters");
            return;
        case HistoryProblem::invalid_reference:
            history_fail("INVALID_PARAMS", {r.subcommand, p.bad},
                         "Invalid message reference: * (LATEST only), msgid= or timestamp=");
            return;
        case HistoryProblem::invalid_limit:
            history_fail("INVALID_PARAMS", {r.subcommand, p.bad}, "Invalid limit");
            return;
    }
    if (r.sub == HistorySub::targets) {
        history_fail("INVALID_PARAMS", {r.subcommand},
                     "TARGETS is not supported: private messages are not kept");
        return;
    }
    // Only channels the client is in; a channel that does not exist looks the same, and
    // private messages are not kept.
    Room* room = session_.state().rooms.find(r.target);
    if (room == nullptr || !room->has(session_)) {
        history_fail("INVALID_TARGET", {r.subcommand, r.target}, "Messages could not be retrieved");
        return;
    }
    if (!history_.allowed()) {
        history_fail("MESSAGE_ERROR", {r.subcommand, room->name()},
                     "Too many history requests: at most one a second after twenty");
        return;
    }
    // The answer comes back on the loop in the order asked (the store answers in order).
    const bool asked = history_.ask(
        session_.state().rooms, *room, query_of(r),
        [this, sub = std::string(r.subcommand), target = room->name()](
            std::vector<EventPtr> page, bool failed) { send_history(sub, target, page, failed); });
    if (!asked) {
        history_fail("MESSAGE_ERROR", {r.subcommand, room->name()},
                     "The history store is busy; try again");
    }
}

void IrcFrontEnd::send_history(std::string_view subcommand, std::string_view target,
                               const std::vector<EventPtr>& page, bool failed) {
    if (session_.ending()) {
        return;
    }
    if (failed) {
        history_fail("MESSAGE_ERROR", {subcommand, target}, "Messages could not be retrieved");
        flush();
        return;
    }
    // Without `batch` the messages come as they are (the spec asks for a batch only of
    // clients that negotiated it).
    std::string batch;
    if (has(Cap::batch)) {
        batch = fmt::format("chathistory{}", ++batches_);
        line(server(), "BATCH", {"+" + batch, "chathistory", target});
    }
    for (const EventPtr& e : page) {
        append_replayed(out_, *e, batch);
    }
    if (!batch.empty()) {
        line(server(), "BATCH", {"-" + batch});
    }
    flush();
}

}  // namespace parley
