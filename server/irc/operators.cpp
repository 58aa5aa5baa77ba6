// IRC operators: OPER (names and password hashes from --oper), KILL, WALLOPS.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "server/irc/irc_front_end.hpp"
#include "server/irc/numerics.hpp"
#include "server/password.hpp"
#include "server/registry.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/irc/format.hpp"

namespace parley {

using namespace irc;

void IrcFrontEnd::cmd_oper(const irc::Message& m) {
    if (m.param_count < 2) {
        need_more_params("OPER");
        return;
    }
    const auto& opers = session_.state().config.opers;
    const auto it = std::find_if(opers.begin(), opers.end(),
                                 [&](const Oper& o) { return o.name == m.param(0); });
    if (it == opers.end()) {
        numeric(ERR_NOOPERHOST, {"No O-lines for your host"});
        return;
    }
    if (!verify_password(m.param(1), it->hash)) {
        spdlog::warn("failed OPER as {} from {} {}", it->name, session_.peer(), session_.nick());
        numeric(ERR_PASSWDMISMATCH, {"Password incorrect"});
        // A check costs the server ~25 ms of CPU (yescrypt is slow on purpose): a failure is a
        // strike, so guessing in a loop ends the session.
        session_.strike("failed OPER", farewell(Farewell::refused, "", "Too many failed OPER"));
        return;
    }
    if (!oper_) {
        oper_ = true;
        session_.state().irc_opers += 1;
    }
    spdlog::info("{} {} is now an operator ({})", session_.peer(), session_.nick(), it->name);
    numeric(RPL_YOUREOPER, {"You are now an IRC operator"});
    line(session_.nick(), "MODE", {session_.nick(), "+o"});
}

void IrcFrontEnd::cmd_kill(const irc::Message& m) {
    if (m.param_count < 2) {
        need_more_params("KILL");
        return;
    }
    if (!oper_) {
        numeric(ERR_NOPRIVILEGES, {"Permission Denied- You're not an IRC operator"});
        return;
    }
    Session* target = session_.state().registry.find(m.param(0));
    if (target == nullptr || !target->front().registered()) {
        numeric(ERR_NOSUCHNICK, {m.param(0), "No such nick/channel"});
        return;
    }
    const std::string reason = fmt::format("Killed ({} ({}))", session_.nick(), m.param(1));
    spdlog::info("{} killed {}: {}", session_.nick(), target->nick(), m.param(1));
    flush();
    target->finish(Ending::killed, reason,
                   target->front().farewell(Farewell::refused, "killed", reason));
}

void IrcFrontEnd::cmd_wallops(const irc::Message& m) {
    if (m.param_count == 0 || m.param(0).empty()) {
        need_more_params("WALLOPS");
        return;
    }
    if (!oper_) {
        numeric(ERR_NOPRIVILEGES, {"Permission Denied- You're not an IRC operator"});
        return;
    }
    std::string bytes;
    append_message(bytes, {}, session_.source(), "WALLOPS", {m.param(0)}, Trailing::always);
    const parley::Message line = make_message(std::move(bytes));
    flush();
    // Rare and operator-only: a walk of everybody is fine here.
    session_.state().registry.for_each([&](Session& s) {
        if (s.front().wallops()) {
            s.deliver(line);
        }
    });
}

}  // namespace parley
