#include "server/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <csignal>
#include <future>
#include <stdexcept>

#include "server/endpoint.hpp"
#include "server/http/http_server.hpp"
#include "server/listener.hpp"
#include "server/log_escaped.hpp"
#include "server/metrics_exposition.hpp"
#include "server/options.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "server/task.hpp"
#include "server/transport/tls.hpp"
#include "shared/prometheus_text.hpp"

namespace parley {

using asio::ip::tcp;

namespace {

HttpServer::Limits http_limits(const Config& c) {
    HttpServer::Limits limits;
    limits.timeout = c.http_timeout;
    return limits;
}

}  // namespace

struct Server::Impl {
    explicit Impl(const Config& c) : config(c), state(config), http(state, http_limits(c)) {}

    Task<void> shut_down();
    void wait_for_signal();
    void reload();
    Task<void> sweep_idle();
    ServerStats count() const;

    // Declaration order is destruction order in reverse: the state sessions touch outlives the
    // io_context, so sessions destroyed while it winds down still find their rooms.
    Config config;
    ServerState state;
    HttpServer http;  // --metrics-listen: /metrics
    asio::io_context io{1};
    struct Listening {
        Acceptor acceptor;
        ListenerKind kind;
    };
    std::vector<Listening> acceptors;
    std::vector<Acceptor> metrics_acceptors;
    asio::signal_set signals{io};
    Timer idle_timer{io.get_executor()};
};

Task<void> Server::Impl::shut_down() {
    if (state.closing) {
        co_return;
    }
    state.closing = true;
    spdlog::info("shutting down: {} connected", state.registry.size());
    asio::error_code ignored;
    for (auto& a : acceptors) {
        a.acceptor.close(ignored);
    }
    for (auto& a : metrics_acceptors) {
        a.close(ignored);
    }
    http.close_all();
    signals.cancel(ignored);
    idle_timer.cancel();

    state.registry.for_each([](Session& s) { s.shut_down(); });
    if (!co_await state.scope.drained(from_seconds(config.shutdown_timeout))) {
        spdlog::warn("{} sessions did not finish in time; closing them", state.scope.live());
        state.registry.for_each(
            [](Session& s) { s.disconnect(Ending::shutdown, "server shutdown"); });
        co_await state.scope.drained(std::chrono::seconds(5));
    }
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

// SIGHUP: the MOTD and the TLS certificate are read again; nobody is disconnected. What cannot
// be read is logged and the old one stays.
void Server::Impl::reload() {
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

// One timer for all sessions, not one per session: idle connections stay small. Each turn
// ends the sessions past --idle-timeout and lets each front end look at its client's silence
// (IRC pings quiet clients).
Task<void> Server::Impl::sweep_idle() {
    const auto limit = from_seconds(config.idle_timeout);
    // Often enough for the shortest limit to be kept within a quarter of itself, at most once a
    // second, and never more than 20 times a second.
    using duration = std::chrono::steady_clock::duration;
    duration period = std::chrono::seconds(1);
    for (const double seconds : {config.idle_timeout, config.ping_interval}) {
        if (seconds > 0) {
            period = std::min(period, from_seconds(seconds) / 4);
        }
    }
    period = std::max<duration>(period, std::chrono::milliseconds(50));
    std::vector<Session*> sessions;
    while (!state.closing) {
        idle_timer.expires_after(period);
        auto [ec] = co_await idle_timer.async_wait(use_task_tuple);
        if (ec || state.closing) {
            co_return;
        }
        const auto now = std::chrono::steady_clock::now();
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
        r.body = expose_metrics(s.state, s.http.connections());
        return r;
    });
    if (impl_->acceptors.empty()) {
        throw std::runtime_error("nothing to listen on: give --listen or --irc-listen");
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
    asio::co_spawn(s.io, s.sweep_idle(), log_escaped);
    s.io.run();
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
