#include "server/server.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <csignal>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <string_view>

#include "server/endpoint.hpp"
#include "server/http/http_server.hpp"
#include "server/listener.hpp"
#include "server/log_escaped.hpp"
#include "server/metrics_exposition.hpp"
#include "server/options.hpp"
#include "server/server_state.hpp"
#include "server/service_notifier.hpp"
#include "server/session.hpp"
#include "server/store/history.hpp"
#include "server/task.hpp"
#include "server/transport/tls.hpp"
#include "server/web/web_endpoint.hpp"
#include "shared/prometheus_text.hpp"

namespace parley {

using asio::ip::tcp;

namespace {

HttpServer::Limits http_limits(const Config& c) {
    HttpServer::Limits limits;
    limits.timeout = c.http_timeout;
    return limits;
}

// Browsers connect by the hundred when a page is shared, and each HTTP connection lasts only
// until its upgrade (or its page) is done, within the request deadline: far more than the
// metrics listener's 64 at once, each holding at most one request head.
HttpServer::Limits web_limits(const Config& c) {
    HttpServer::Limits limits = http_limits(c);
    limits.max_connections = 1024;
    return limits;
}

}  // namespace

struct Server::Impl {
    explicit Impl(const Config& c)
        : config(c), state(config), http(state, http_limits(c)), web(state, web_limits(c)) {}

    Task<void> shut_down();
    void wait_for_signal();
    void reload();
    void reload_config();
    void reload_files();
    Task<void> sweep_idle();
    Task<void> keep_watchdog(std::chrono::microseconds period);
    std::string status() const;
    ServerStats count() const;

    // Declaration order is destruction order in reverse: the state sessions touch outlives the
    // io_context, so sessions destroyed while it winds down still find their rooms.
    Config config;
    ServerState state;
    HttpServer http;  // --metrics-listen: /metrics
    HttpServer web;   // --http-listen: the web client and its WebSocket
    asio::io_context io{1};
    struct Listening {
        Acceptor acceptor;
        ListenerKind kind;
    };
    std::vector<Listening> acceptors;
    std::vector<Acceptor> metrics_acceptors;
    struct WebListening {
        Acceptor acceptor;
        bool tls;  // HTTPS, and WebSockets over TLS (wss://)
    };
    std::vector<WebListening> web_acceptors;
    asio::signal_set signals{io};
    Timer idle_timer{io.get_executor()};
    Timer watchdog_timer{io.get_executor()};
    // Whether this is the process systemd started (the executable, handling signals), which
    // tells it about readiness, reloads and stopping; in-process servers in tests do not.
    bool notify = false;
    // After the io_context: the storage thread is stopped before the io_context it posts
    // answers to is destroyed.
    std::unique_ptr<History> history;
};

Task<void> Server::Impl::shut_down() {
    if (state.closing) {
        co_return;
    }
    state.closing = true;
    spdlog::info("shutting down: {} connected", state.registry.size());
    if (notify) {
        service::stopping(fmt::format("shutting down: {} connected", state.registry.size()));
    }
    asio::error_code ignored;
    for (auto& a : acceptors) {
        a.acceptor.close(ignored);
    }
    for (auto& a : metrics_acceptors) {
        a.close(ignored);
    }
    for (auto& a : web_acceptors) {
        a.acceptor.close(ignored);
    }
    http.close_all();
    web.close_all();
    signals.cancel(ignored);
    idle_timer.cancel();

    state.registry.for_each([](Session& s) { s.shut_down(); });
    if (!co_await state.scope.drained(from_seconds(config.shutdown_timeout))) {
        spdlog::warn("{} sessions did not finish in time; closing them", state.scope.live());
        state.registry.for_each(
            [](Session& s) { s.disconnect(Ending::shutdown, "server shutdown"); });
        co_await state.scope.drained(std::chrono::seconds(5));
    }
    watchdog_timer.cancel();  // systemd heard from the loop until the very end
    spdlog::info("stopped");
}

void Server::Impl::wait_for_signal() {
    signals.async_wait([this](const asio::error_code& ec, int signo) {
        if (ec) {
            return;
        }
        spdlog::info("received signal {}", signo);
        if (signo == SIGHUP) {
            reload();
            wait_for_signal();
        } else {
            asio::co_spawn(io, shut_down(), log_escaped);
        }
    });
}

// SIGHUP: the config file and the command line are parsed again and what can change live is
// applied; then the MOTD and the TLS certificate are read again. Nobody is disconnected.
void Server::Impl::reload() {
    if (notify) {
        service::reloading();
    }
    reload_config();
    reload_files();
    if (notify) {
        service::ready(status());
    }
}

namespace {

// The settings SIGHUP applies at once (docs/operations.md says how each takes effect). Any
// other setting that changed (listeners, the server's name, history, and whatever is added
// without being listed here) is logged as waiting for a restart.
constexpr std::string_view live_settings[] = {
    "rate",         "burst",
    "strikes",      "outbox-bytes",
    "max-clients",  "max-per-address",
    "idle-timeout", "ping-interval",
    "max-line",     "announce-limit",
    "timestamps",   "network",
    "motd",         "oper",
    "oper-file",    "shutdown-timeout",
    "log-level",    "keepalive",
    "ipv6-prefix",  "outbox-total",
    "max-rooms",
};

bool is_live(std::string_view name, bool tls_on) {
    // A certificate can be swapped only where TLS is on; turning TLS on or off needs a restart.
    if (name == "tls-cert" || name == "tls-key") {
        return tls_on;
    }
    return std::find(std::begin(live_settings), std::end(live_settings), name) !=
           std::end(live_settings);
}

}  // namespace

void Server::Impl::reload_config() {
    if (config.command_line.empty()) {
        return;  // made in-process, not from a command line: nothing to parse again
    }
    ParsedOptions fresh = reparse_options(config.command_line);
    if (fresh.exit_code) {
        spdlog::error("configuration not reloaded, nothing changed: {}", fresh.error);
        return;
    }
    Config& c = fresh.config;
    std::vector<std::string> changed;
    for (const auto& [name, value] : c.settings) {
        auto old = config.settings.find(name);
        if (old != config.settings.end() && old->second == value) {
            continue;
        }
        if (is_live(name, state.tls != nullptr)) {
            changed.push_back(name);
            config.settings[name] = value;
        } else {
            // The old value stays on record: the next reload says so again until a restart.
            spdlog::warn("{} changed; takes effect after a restart", name);
        }
    }
    // Every live setting is copied; those that did not change are equal anyway.
    spdlog::set_level(spdlog::level::from_str(c.log_level));
    config.log_level = c.log_level;
    config.rate = c.rate;
    config.burst = c.burst;
    config.strikes = c.strikes;
    state.line_rate = TokenBucket::Rate(c.rate, c.burst);
    state.strike_rate = TokenBucket::Rate(c.strikes > 0 ? 1.0 : 0.0, c.strikes);
    config.outbox_bytes = c.outbox_bytes;  // connections made from now on
    // The budget is one for everybody: a smaller one applies at once, evicting the clients
    // furthest behind until what is held fits.
    config.outbox_total = c.outbox_total;
    config.max_rooms = c.max_rooms;  // rooms past a lower limit stay until they empty
    state.rooms.set_max_rooms(c.max_rooms);
    state.wakes.budget().set_limit(c.outbox_total);
    state.wakes.budget().shed();
    config.max_clients = c.max_clients;
    config.max_per_address = c.max_per_address;
    config.ipv6_prefix = c.ipv6_prefix;
    state.limits.set_limits(c.max_clients, c.max_per_address, c.ipv6_prefix);
    config.keepalive = c.keepalive;        // connections made from now on
    config.idle_timeout = c.idle_timeout;  // sweep_idle reads both at every turn
    config.ping_interval = c.ping_interval;
    config.max_line = c.max_line;  // connections made from now on
    config.announce_limit = c.announce_limit;
    state.rooms.set_announce_limit(c.announce_limit);
    config.timestamps = c.timestamps;
    config.network = c.network;
    config.shutdown_timeout = c.shutdown_timeout;
    config.motd_file = c.motd_file;  // read by reload_files()
    if (config.motd_file.empty()) {
        config.motd.clear();
    }
    // Operators already recognised keep their status; the next OPER checks the new list.
    config.opers = std::move(c.opers);
    config.oper_file = c.oper_file;
    if (state.tls) {
        config.tls_cert = c.tls_cert;
        config.tls_key = c.tls_key;
    }
    std::string list;
    for (const std::string& name : changed) {
        list += (list.empty() ? "" : ", ") + name;
    }
    spdlog::info("reloaded the configuration: {}; {} operators",
                 list.empty() ? "no setting changed" : "changed " + list, config.opers.size());
}

// The MOTD and the TLS certificate are read again (a renewal keeps its file names). What
// cannot be read is logged and the old one stays.
void Server::Impl::reload_files() {
    if (!config.motd_file.empty()) {
        auto motd = load_motd(config.motd_file);
        if (auto* lines = std::get_if<std::vector<std::string>>(&motd)) {
            config.motd = std::move(*lines);
            spdlog::info("reloaded the MOTD from {} ({} lines)", config.motd_file,
                         config.motd.size());
        } else {
            spdlog::error("MOTD not reloaded: {}", std::get<std::string>(motd));
        }
    }
    if (state.tls) {
        try {
            state.tls->reload(config.tls_cert, config.tls_key);
            spdlog::info("reloaded the TLS certificate from {}", config.tls_cert);
        } catch (const std::exception& e) {
            spdlog::error("TLS certificate not reloaded: {}", e.what());
        }
    }
}

// WATCHDOG=1 from a timer on the event loop itself: a loop that is stuck sends nothing, and
// systemd restarts the service.
Task<void> Server::Impl::keep_watchdog(std::chrono::microseconds period) {
    std::string last_status;
    for (;;) {
        service::watchdog();
        // The connection count, on systemctl status, as often as the watchdog and only when
        // it changed.
        std::string now = status();
        if (now != last_status) {
            service::status(now);
            last_status = std::move(now);
        }
        watchdog_timer.expires_after(period);
        auto [ec] = co_await watchdog_timer.async_wait(use_task_tuple);
        if (ec) {
            co_return;
        }
    }
}

std::string Server::Impl::status() const {
    return fmt::format("serving {} clients in {} rooms", state.registry.size(),
                       state.rooms.list().size());
}

// One timer for all sessions, not one per session: idle connections stay small. Each turn
// ends the sessions past --idle-timeout and lets each front end look at its client's silence
// (IRC pings quiet clients).
Task<void> Server::Impl::sweep_idle() {
    // Worked out at every turn: SIGHUP may change both limits.
    const auto period_now = [this] {
        // Often enough for the shortest limit to be kept within a quarter of itself, at most
        // once a second, and never more than 20 times a second.
        using duration = std::chrono::steady_clock::duration;
        duration period = std::chrono::seconds(1);
        for (const double seconds : {config.idle_timeout, config.ping_interval}) {
            if (seconds > 0) {
                period = std::min(period, from_seconds(seconds) / 4);
            }
        }
        return std::max<duration>(period, std::chrono::milliseconds(50));
    };
    std::vector<Session*> sessions;
    while (!state.closing) {
        idle_timer.expires_after(period_now());
        auto [ec] = co_await idle_timer.async_wait(use_task_tuple);
        if (ec || state.closing) {
            co_return;
        }
        const auto now = std::chrono::steady_clock::now();
        const auto limit = from_seconds(config.idle_timeout);
        // Collected first: what a front end does may end sessions.
        sessions.clear();
        state.registry.for_each([&](Session& s) { sessions.push_back(&s); });
        for (Session* s : sessions) {
            if (s->ending()) {
                continue;
            }
            const auto silent = now - s->last_input();
            if (config.idle_timeout > 0 && silent > limit) {
                spdlog::info("idle {} {}", s->peer(), s->nick());
                s->finish(Ending::idle, "idle timeout",
                          s->front().farewell(
                              FrontEnd::Farewell::idle, "disconnected",
                              fmt::format("no input for {} seconds", config.idle_timeout)));
            } else {
                s->front().on_idle(silent);
            }
        }
    }
}

namespace {

Acceptor bind_acceptor(asio::io_context& io, const std::string& spec, const tcp::endpoint& ep) {
    Acceptor acceptor(io.get_executor());
    asio::error_code ec;
    acceptor.open(ep.protocol(), ec);
    if (!ec) {
        acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec && ep.address().is_v6()) {
        // [::]:7777 and 0.0.0.0:7777 may both be listed.
        acceptor.set_option(asio::ip::v6_only(true), ec);
    }
    if (!ec) {
        acceptor.bind(ep, ec);
    }
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        throw std::runtime_error(fmt::format("cannot listen on {}: {}", spec, ec.message()));
    }
    return acceptor;
}

}  // namespace

namespace {

// Moves a damaged database (and its WAL and shared-memory files) aside: history.db becomes
// history.db.corrupt-20240131T120000.
void move_aside(const std::string& file) {
    const auto now = std::chrono::system_clock::now();
    const std::string aside = fmt::format("{}.corrupt-{:%Y%m%dT%H%M%S}", file,
                                          std::chrono::floor<std::chrono::seconds>(now));
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::error_code ec;
        const std::string from = file + suffix;
        if (std::filesystem::exists(from, ec)) {
            std::filesystem::rename(from, aside + suffix, ec);
            if (ec) {
                throw std::runtime_error(
                    fmt::format("cannot move {} aside: {}", from, ec.message()));
            }
        }
    }
    spdlog::warn("the history database {} was damaged; moved it to {} and began a new one", file,
                 aside);
}

}  // namespace

void Server::open_history() {
    Impl& s = *impl_;
    const Config& c = s.config;
    std::error_code ec;
    std::filesystem::create_directories(c.data_dir, ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("cannot create the data directory {}: {}", c.data_dir, ec.message()));
    }
    store::StoreOptions options;
    options.path = history_file(c.data_dir);
    options.retain_messages = c.retain_messages;
    options.retain_days = c.retain_days;
    const auto post = [&io = s.io](std::function<void()> f) { asio::post(io, std::move(f)); };
    try {
        s.history = std::make_unique<History>(options, s.state.rooms, c.history, post);
    } catch (const store::StoreError& e) {
        if (!e.corrupt()) {
            throw std::runtime_error(fmt::format("history database {}", e.what()));
        }
        if (!c.reset_corrupt_data) {
            throw std::runtime_error(fmt::format(
                "history database {} (it is damaged or not a database: restore it from a "
                "backup, or start with --reset-corrupt-data to move it aside and begin a new "
                "one)",
                e.what()));
        }
        move_aside(options.path);
        s.history = std::make_unique<History>(options, s.state.rooms, c.history, post);
    }
    s.state.last_message_id = s.history->last_id();
    s.state.rooms.set_history(s.history.get());
    spdlog::info("history in {} (last message id {})", options.path, s.state.last_message_id);
}

const store::StoreStats* Server::history_stats() const {
    return impl_->history ? &impl_->history->stats() : nullptr;
}

Server::Server(const Config& config) : impl_(std::make_unique<Impl>(config)) {
    if (!config.tls_cert.empty() || !config.tls_key.empty()) {
        impl_->state.tls = std::make_shared<TlsContext>(
            TlsContext::load(impl_->config.tls_cert, impl_->config.tls_key));
    }
    const auto add = [this](const std::vector<std::string>& specs,
                            ListenerKind::Protocol protocol) {
        for (const std::string& spec : specs) {
            ListenerKind kind{protocol, false};
            std::string address = spec;
            if (address.starts_with(tls_scheme)) {
                kind.tls = true;
                address.erase(0, tls_scheme.size());
            }
            if (kind.tls && !impl_->state.tls) {
                throw std::runtime_error(fmt::format("{} needs --tls-cert and --tls-key", spec));
            }
            impl_->acceptors.push_back(
                Impl::Listening{bind_acceptor(impl_->io, spec, parse_endpoint(address)), kind});
        }
    };
    add(impl_->config.listen, ListenerKind::Protocol::plain);
    add(impl_->config.irc_listen, ListenerKind::Protocol::irc);
    for (const std::string& spec : impl_->config.metrics_listen) {
        if (spec.starts_with(tls_scheme)) {
            throw std::runtime_error(fmt::format("{}: --metrics-listen takes no tls://", spec));
        }
        impl_->metrics_acceptors.push_back(bind_acceptor(impl_->io, spec, parse_endpoint(spec)));
    }
    impl_->http.route("/metrics", [&s = *impl_](const http::Request&) {
        HttpResponse r;
        r.content_type = PrometheusText::content_type;
        r.body = expose_metrics(s.state, s.http.connections() + s.web.connections());
        return r;
    });
    for (const std::string& spec : impl_->config.http_listen) {
        std::string address = spec;
        const bool tls = address.starts_with(tls_scheme);
        if (tls) {
            address.erase(0, tls_scheme.size());
            if (!impl_->state.tls) {
                throw std::runtime_error(fmt::format("{} needs --tls-cert and --tls-key", spec));
            }
        }
        impl_->web_acceptors.push_back(
            Impl::WebListening{bind_acceptor(impl_->io, spec, parse_endpoint(address)), tls});
    }
    ws::OriginPolicy origins;
    std::string origin_error;
    if (!ws::parse_origin_policy(impl_->config.http_origin, origins, origin_error)) {
        throw std::runtime_error("--http-origin: " + origin_error);
    }
    serve_web_client(impl_->web, impl_->state, origins);
    if (impl_->acceptors.empty() && impl_->web_acceptors.empty()) {
        throw std::runtime_error(
            "nothing to listen on: give --listen, --irc-listen or --http-listen");
    }
    if (!impl_->config.data_dir.empty()) {
        open_history();
    }
}

Server::~Server() = default;

std::vector<std::string> Server::metrics_endpoints() const {
    std::vector<std::string> out;
    for (const auto& a : impl_->metrics_acceptors) {
        asio::error_code ec;
        out.push_back(describe(a.local_endpoint(ec)));
    }
    return out;
}

std::vector<std::string> Server::http_endpoints() const {
    std::vector<std::string> out;
    for (const auto& a : impl_->web_acceptors) {
        asio::error_code ec;
        out.push_back(describe(a.acceptor.local_endpoint(ec)));
    }
    return out;
}

std::vector<std::string> Server::endpoints(bool irc) const {
    std::vector<std::string> out;
    for (const auto& a : impl_->acceptors) {
        if ((a.kind.protocol == ListenerKind::Protocol::irc) == irc) {
            asio::error_code ec;
            out.push_back(describe(a.acceptor.local_endpoint(ec)));
        }
    }
    return out;
}

void Server::run(bool handle_signals) {
    Impl& s = *impl_;
    // Signals first: once "listening" is logged, a SIGTERM must already mean a graceful stop.
    if (handle_signals) {
        s.signals.add(SIGINT);
        s.signals.add(SIGTERM);
        s.signals.add(SIGHUP);
        s.wait_for_signal();
    }
    for (auto& [acceptor, kind] : s.acceptors) {
        spdlog::info("listening on {} ({})", describe(acceptor.local_endpoint()), kind.describe());
        asio::co_spawn(s.io, listen(acceptor, s.state, kind), log_escaped);
    }
    for (auto& acceptor : s.metrics_acceptors) {
        spdlog::info("listening on {} (metrics)", describe(acceptor.local_endpoint()));
        asio::co_spawn(s.io, s.http.listen(acceptor), log_escaped);
    }
    for (auto& [acceptor, tls] : s.web_acceptors) {
        spdlog::info("listening on {} ({})", describe(acceptor.local_endpoint()),
                     tls ? "web, tls" : "web");
        asio::co_spawn(s.io, s.web.listen(acceptor, tls), log_escaped);
    }
    asio::co_spawn(s.io, s.sweep_idle(), log_escaped);
    // The listeners are bound (in the constructor) and accepting as soon as the loop runs.
    s.notify = handle_signals;
    if (s.notify) {
        service::ready(s.status());
        if (const auto period = service::watchdog_period()) {
            asio::co_spawn(s.io, s.keep_watchdog(*period), log_escaped);
        }
    }
    s.io.run();
    if (s.history) {
        // Every session has ended: write what they said, and nothing more.
        s.state.rooms.set_history(nullptr);
        s.history->stop();
    }
}

ServerStats Server::Impl::count() const {
    ServerStats st;
    st.live_sessions = state.scope.live();
    st.connections = state.limits.connections();
    st.nicknames = state.registry.size();
    const auto rooms = state.rooms.list();
    st.rooms = rooms.size();
    for (const Room* room : rooms) {
        st.memberships += room->size();
    }
    return st;
}

ServerStats Server::stats() {
    Impl& s = *impl_;
    if (s.io.stopped()) {
        return s.count();  // run() has returned (or never ran): nothing else touches the state
    }
    // Shared: should the wait below give up, the answer still has somewhere to go.
    auto answer = std::make_shared<std::promise<ServerStats>>();
    asio::post(s.io, [&s, answer] { answer->set_value(s.count()); });
    auto reply = answer->get_future();
    if (reply.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        throw std::runtime_error("the server did not answer for its counts");
    }
    return reply.get();
}

void Server::stop() {
    Impl& s = *impl_;
    asio::post(s.io, [&s] { asio::co_spawn(s.io, s.shut_down(), log_escaped); });
}

}  // namespace parley
