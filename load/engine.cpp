#include "load/engine.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "load/cpu_window.hpp"
#include "load/pacing.hpp"
#include "load/proc.hpp"
#include "load/run.hpp"
#include "load/source_address.hpp"
#include "load/verdict.hpp"

namespace parley::load {

std::atomic<bool> g_interrupted{false};

namespace {

constexpr std::size_t kReadBuffer = 256 * 1024;
// A publisher with this much unsent stops producing until the server takes it: its published
// rate then shows the server pushing back instead of the client buffering without end.
constexpr std::size_t kMaxPendingOut = 256 * 1024;

double secs(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e9;
}

}  // namespace

// Where parse_stream() sends what it cut from one read: deliveries to the check, the rest to
// on_control. A concrete type, so the hot path is inlined.
struct Engine::Sink {
    Engine& e;
    int idx;
    Conn& c;
    std::uint64_t now;
    void payload(std::string_view room, std::string_view p) {
        e.check_.on_payload(c, room, p, now);
    }
    void control(Control k, std::string_view t) { e.on_control(idx, k, t); }
};

Engine::Engine(const Target& t, const ScenarioOptions& o, const ExternalPublishers* ext,
               EngineHooks& hooks)
    : t_(t),
      o_(o),
      ext_(ext),
      hooks_(hooks),
      layout_(t.protocol),
      check_(layout_, n_, o.size),
      rbuf_(new char[kReadBuffer]) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    r_.target = t.label;
    r_.protocol = std::string(protocol_name(t.protocol));
    r_.scenario = o.scenario;
}

Engine::~Engine() {
    for (auto& c : layout_.conns) {
        if (c.fd >= 0) {
            ::close(c.fd);
        }
    }
    ::close(ep_);
}

std::string Engine::room_prefix() const {
    return fmt::format("lt{}", o_.run_id);
}

void Engine::prepare() {
    layout_.size_trackers();
    for (const Room& room : layout_.rooms) {
        room_names_.push_back(room.name);
    }
    r_.clients_wanted = layout_.conns.size();
    needed_ = connections_needed(o_, t_.protocol);
    for (int i = static_cast<int>(layout_.conns.size()) - 1; i >= 0; --i) {
        pending_.push_back(i);
    }
}

// --- connections --------------------------------------------------------------------------

void Engine::watch(int idx, bool in, bool out) {
    Conn& c = layout_.conns[idx];
    epoll_event ev{};
    ev.events = (in ? EPOLLIN : 0u) | (out ? EPOLLOUT : 0u);
    ev.data.u64 = static_cast<std::uint64_t>(idx);
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    c.watching_out = out;
}

void Engine::open_conn(int idx) {
    Conn& c = layout_.conns[idx];
    ++c.attempts;
    c.t_connect = now_ns();
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        ++r_.failed_connects;
        r_.disconnect_reasons[fmt::format("socket: {}", std::strerror(errno))]++;
        c.state = ConnState::closed;
        return;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(t_.port);
    inet_pton(AF_INET, t_.host.c_str(), &addr.sin_addr);
    const bool loopback = (ntohl(addr.sin_addr.s_addr) >> 24) == 127;
    const int source =
        loopback ? source_index(o_.sources, needed_, source_count_++, kConnectionsPerSource) : -1;
    if (source >= 0) {
        sockaddr_in src{};
        src.sin_family = AF_INET;
        src.sin_addr.s_addr = htonl(0x7F000001u + static_cast<std::uint32_t>(source));
        // The port is chosen at connect(), per destination, not at bind() per source address.
        setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (::bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
            c.last_error =
                fmt::format("bind to source 127.0.0.{}: {}", source + 1, std::strerror(errno));
        }
    }
    c.state = ConnState::connecting;
    ++inflight_;
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.u64 = static_cast<std::uint64_t>(idx);
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
    c.watching_out = true;
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
        const int err = errno;
        ++r_.failed_connects;
        close_conn(idx, fmt::format("connect: {}", std::strerror(err)));
    }
}

void Engine::close_conn(int idx, const std::string& reason) {
    Conn& c = layout_.conns[idx];
    if (c.state == ConnState::closed) {
        return;
    }
    const bool was_ready = c.state == ConnState::ready;
    if (c.state == ConnState::connecting || c.state == ConnState::handshake) {
        --inflight_;
    }
    if (c.fd >= 0) {
        epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
    }
    c.state = ConnState::closed;
    if (c.transient) {
        return;
    }
    if (was_ready && c.healthy) {
        ++step_disconnects_;
    }
    r_.disconnect_reasons[std::string(c.reason_prefix) + reason]++;
}

void Engine::mark_ready(int idx) {
    Conn& c = layout_.conns[idx];
    if (c.state != ConnState::handshake) {
        return;
    }
    c.state = ConnState::ready;
    c.t_ready = now_ns();
    --inflight_;
    if (hooks_.on_ready(*this, idx)) {
        return;
    }
    ++ready_;
    connect_hist_.record(c.t_ready - c.t_connect);
}

void Engine::on_control(int idx, Control k, std::string_view text) {
    Conn& c = layout_.conns[idx];
    switch (k) {
        case Control::line: {
            // Parley: ready once the server announced our own join (after the welcome that
            // tells our nickname).
            if (c.state == ConnState::handshake) {
                if (c.nick.empty()) {
                    const auto nick = parley_welcome_nick(text);
                    if (!nick.empty()) {
                        c.nick = nick;
                    }
                } else if (parley_is_join(text, c.nick, layout_.rooms[c.room].name)) {
                    mark_ready(idx);
                    return;
                }
            }
            const auto code = parley_error_code(text);
            if (!code.empty()) {
                ++server_errors_;
                c.last_error = text;
                r_.extra[fmt::format("server_error_{}", code)] += 1;
                return;
            }
            hooks_.on_line(*this, idx, text);
            return;
        }
        case Control::subscribed:
        case Control::pong:
            mark_ready(idx);
            return;
        case Control::ping:
            append_pong(t_.protocol, c.out, text);
            return;
        case Control::registered:
            // IRC: registered; only now may it join (a JOIN sent earlier gets 451). WebSocket:
            // upgraded; only now may it send (bytes before the 101 get a 400).
            if (c.state == ConnState::handshake) {
                if (t_.protocol == Protocol::websocket) {
                    WebSocketProtocol::append_join(c.out, layout_.rooms[c.room].name);
                } else {
                    IrcProtocol::append_join(c.out, layout_.rooms[c.room].name);
                }
            }
            return;
        case Control::joined:
            // WebSocket: `text` is the room joined (the first is #lobby, where the server puts
            // every browser); IRC: anyone's JOIN line.
            if (c.state == ConnState::handshake &&
                (t_.protocol == Protocol::websocket
                     ? text == layout_.rooms[c.room].name
                     : irc_is_join(text, c.nick, layout_.rooms[c.room].name))) {
                mark_ready(idx);
            }
            return;
        case Control::error:
            c.last_error = text;
            if (t_.protocol == Protocol::websocket) {
                // An error message, or why the connection ends (read_conn closes it then).
                if (const auto code = websocket_error_code(text); !code.empty()) {
                    r_.extra[fmt::format("server_error_{}", code)] += 1;
                    ++server_errors_;
                }
                return;
            }
            if (t_.protocol == Protocol::irc) {
                const int code = irc_reply_code(text);
                if (code < 0) {
                    // ERROR: the server's farewell, also to a client that said QUIT. The close
                    // that follows is reported with it as its reason.
                    return;
                }
                // 433: the nickname is taken (a client of an earlier run on a shared server).
                if (code == 433 && c.state == ConnState::handshake) {
                    c.nick += '_';
                    IrcProtocol::append_nick(c.out, c.nick);
                }
                r_.extra[fmt::format("server_error_{}", code)] += 1;
            }
            ++server_errors_;
            return;
        case Control::other:
            if (t_.protocol == Protocol::irc) {
                hooks_.on_line(*this, idx, text);  // QUITs and notices, for the scenarios
            }
            return;
    }
}

void Engine::flush(int idx) {
    Conn& c = layout_.conns[idx];
    while (c.out_off < c.out.size()) {
        const ssize_t n =
            ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c.out_off += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c.watching_out) {
                watch(idx, !c.paused, true);
            }
            return;
        }
        close_conn(idx, fmt::format("send: {}", std::strerror(errno)));
        return;
    }
    c.out.clear();
    c.out_off = 0;
    if (c.watching_out && c.state != ConnState::connecting) {
        watch(idx, !c.paused, false);
    }
}

void Engine::read_conn(int idx) {
    Conn& c = layout_.conns[idx];
    const std::size_t carried = c.carry.size();
    if (carried > 0) {
        std::memcpy(rbuf_.get(), c.carry.data(), carried);
    }
    const ssize_t n = ::recv(c.fd, rbuf_.get() + carried, kReadBuffer - carried, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        std::string reason = n == 0 ? "closed by server" : fmt::format("{}", std::strerror(errno));
        if (!c.last_error.empty()) {
            reason += " after: " + c.last_error;
        }
        close_conn(idx, reason);
        return;
    }
    if (n < 0) {
        return;
    }
    if (n_.in_window) {
        n_.win_bytes += static_cast<std::uint64_t>(n);
    }
    const std::size_t total = carried + static_cast<std::size_t>(n);
    Sink sink{*this, idx, c, now_ns()};
    const std::size_t used = c.ws ? WebSocketProtocol::parse(*c.ws, rbuf_.get(), total, sink)
                                  : parse_stream(t_.protocol, rbuf_.get(), total, sink);
    if (c.state == ConnState::closed) {
        return;
    }
    if (c.ws && !c.ws->ended.empty()) {
        // A refused upgrade, the server's Close (1013 when full, 1001 on shutdown) or frames
        // that break RFC 6455: the connection is over, for that reason.
        close_conn(idx, c.ws->ended);
        return;
    }
    if (used < total) {
        if (total - used >= kReadBuffer / 2) {
            close_conn(idx, "protocol error: message too long");
            return;
        }
        c.carry.assign(rbuf_.get() + used, total - used);
    } else {
        c.carry.clear();
    }
    if (!c.out.empty()) {
        flush(idx);
    }
}

void Engine::on_event(int idx, std::uint32_t events) {
    Conn& c = layout_.conns[idx];
    if (c.state == ConnState::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
            ++r_.failed_connects;
            const std::string reason =
                fmt::format("connect: {}", std::strerror(err ? err : ECONNREFUSED));
            close_conn(idx, reason);
            if (c.transient) {
                hooks_.on_connect_failed(*this, idx);
            } else if (c.attempts < 3) {
                c.state = ConnState::idle;
                pending_.push_back(idx);
            }
            return;
        }
        c.state = ConnState::handshake;
        if (protocol_traits(t_.protocol).names_itself) {
            // A new name for every connection, retries and reconnections included: the server
            // may not have seen the previous connection of that client close yet.
            c.nick = fmt::format("{}c{}", room_prefix(), ++nick_serial_);
        }
        const std::string& room = layout_.rooms[c.room].name;
        if (t_.protocol == Protocol::websocket) {
            // Its key is checked against the 101's Sec-WebSocket-Accept: kept with its reader.
            c.ws = std::make_unique<WebSocketClient>();
            WebSocketProtocol::append_upgrade(c.out, c.ws->key);
        } else if (c.subscribes) {
            append_subscribe(t_.protocol, c.out, room, c.nick);
        } else {
            append_publisher_hello(t_.protocol, c.out, room, c.nick);
        }
        watch(idx, true, false);
        flush(idx);
        return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        read_conn(idx);
    }
    if (c.state != ConnState::closed && (events & EPOLLOUT) && !c.out.empty()) {
        flush(idx);
    }
}

void Engine::open_now(int conn) {
    open_conn(conn);
}

void Engine::send(int conn, std::string_view bytes) {
    layout_.conns[conn].out += bytes;
    flush(conn);
}

void Engine::close(int conn, const std::string& reason) {
    close_conn(conn, reason);
}

void Engine::reset(int conn) {
    Conn& c = layout_.conns[conn];
    if (c.fd >= 0) {
        linger lg{1, 0};
        setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close_conn(conn, "reset");
}

void Engine::shutdown_write(int conn) {
    if (const int fd = layout_.conns[conn].fd; fd >= 0) {
        ::shutdown(fd, SHUT_WR);
    }
}

void Engine::pause_reading(int conn) {
    Conn& c = layout_.conns[conn];
    c.paused = true;
    if (c.state == ConnState::ready) {
        watch(conn, false, c.watching_out);
    }
}

bool Engine::peer_gone(int conn) {
    Conn& c = layout_.conns[conn];
    if (c.state == ConnState::closed) {
        return true;
    }
    for (int k = 0; k < 10000; ++k) {
        const ssize_t n = ::recv(c.fd, rbuf_.get(), kReadBuffer, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            return true;
        }
        if (n < 0) {
            break;
        }
    }
    return false;
}

std::uint64_t Engine::healthy_lost() const {
    std::uint64_t lost = 0;
    for (const auto& c : layout_.conns) {
        lost += c.healthy && !c.transient && c.state != ConnState::ready ? 1 : 0;
    }
    return lost;
}

bool Engine::reconnect_all() {
    pending_.clear();
    for (int i = static_cast<int>(layout_.conns.size()) - 1; i >= 0; --i) {
        Conn& c = layout_.conns[i];
        if (c.fd >= 0) {
            epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
            ::close(c.fd);
        }
        Conn fresh;
        fresh.room = c.room;
        fresh.self_pub = c.self_pub;
        fresh.receives = c.receives;
        fresh.subscribes = c.subscribes;
        fresh.healthy = c.healthy;
        fresh.transient = c.transient;
        fresh.reason_prefix = c.reason_prefix;
        fresh.trackers.resize(c.trackers.size());
        c = std::move(fresh);
        if (!c.transient) {
            pending_.push_back(i);
        }
    }
    for (auto& p : layout_.pubs) {
        p.sent = 0;
        p.step_base = 0;
    }
    // New rooms too. A server may still relay what the closed publishers had sent before
    // (ngIRCd works off a closed client's buffered commands): in the old rooms it reaches no
    // one, where in the same rooms it would meet the new receivers as old sequence numbers of
    // their publishers.
    ++generation_;
    for (std::size_t i = 0; i < layout_.rooms.size(); ++i) {
        layout_.rooms[i].name = fmt::format("{}g{}", room_names_[i], generation_);
    }
    inflight_ = 0;
    ready_ = 0;
    const auto connected = r_.clients_connected;
    const auto connect_s = r_.connect_all_s;
    const auto join = r_.connect_join;
    const std::size_t failures = r_.failures.size();
    const bool ok = connect_all();
    r_.clients_connected = connected;
    r_.connect_all_s = connect_s;
    r_.connect_join = join;
    r_.failures.resize(failures);
    return ok;
}

// --- the loop -----------------------------------------------------------------------------

void Engine::pump(int timeout_ms) {
    while (inflight_ < o_.connect_concurrency && !pending_.empty()) {
        const int idx = pending_.back();
        pending_.pop_back();
        open_conn(idx);
    }
    epoll_event events[512];
    const int n = epoll_wait(ep_, events, 512, timeout_ms);
    for (int i = 0; i < n; ++i) {
        const int idx = static_cast<int>(events[i].data.u64);
        if (layout_.conns[idx].state != ConnState::closed) {
            on_event(idx, events[i].events);
        }
    }
    const std::uint64_t now = now_ns();
    if (publishing_) {
        publish_tick(now);
    }
    hooks_.on_tick(*this, now);
    progress(now);
}

void Engine::publish_tick(std::uint64_t now) {
    const double elapsed = secs(now - step_start_);
    for (std::size_t id = 0; id < layout_.pubs.size(); ++id) {
        Pub& p = layout_.pubs[id];
        if (p.conn < 0) {
            continue;
        }
        Conn& c = layout_.conns[p.conn];
        // The limit is per connection: the publishers sharing one (a Redis room) all wait for
        // it together, each keeping its own count of what is due.
        if (c.state != ConnState::ready || c.out.size() - c.out_off > kMaxPendingOut) {
            continue;
        }
        const std::uint64_t due = messages_due(id, p.step_base, elapsed, rate_);
        if (due <= p.sent) {
            continue;
        }
        const std::uint64_t n = std::min<std::uint64_t>(due - p.sent, 4096);
        for (std::uint64_t i = 0; i < n; ++i) {
            append_publish(t_.protocol, c.out, layout_.rooms[p.room].name, o_.size,
                           Payload{static_cast<std::uint32_t>(id), p.sent++, now});
        }
        if (n_.in_window) {
            n_.win_published += n;
        }
        n_.interval_published += n;
        // Flushed per publisher, even on a shared connection: the members' messages are not
        // gathered into fewer sends than separate clients would make.
        flush(p.conn);
    }
}

void Engine::progress(std::uint64_t now) {
    if (!o_.progress || now - last_progress_ < kSecond) {
        return;
    }
    const double dt = last_progress_ == 0 ? 1.0 : secs(now - last_progress_);
    last_progress_ = now;
    const double left = phase_end_ > now ? secs(phase_end_ - now) : 0.0;
    fmt::print(stderr,
               "\r\033[K[{} {}] {}{} | published {:.0f}/s | delivered {:.0f}/s | max latency "
               "{:.1f} ms | ready {}/{}",
               t_.label, o_.scenario, phase_, left > 0 ? fmt::format(" {:.0f}s left", left) : "",
               static_cast<double>(n_.interval_published) / dt,
               static_cast<double>(n_.interval_deliveries) / dt,
               static_cast<double>(n_.interval_hist_max) / 1e6, ready_, r_.clients_wanted);
    std::fflush(stderr);
    n_.interval_deliveries = n_.interval_published = n_.interval_hist_max = 0;
}

bool Engine::wait_until(const std::function<bool()>& done, std::uint64_t deadline) {
    while (!done()) {
        if (g_interrupted.load(std::memory_order_relaxed)) {
            return false;
        }
        const std::uint64_t now = now_ns();
        if (now >= deadline) {
            return false;
        }
        const auto left_ms = static_cast<int>((deadline - now) / 1'000'000);
        pump(std::clamp(left_ms, 0, publishing_ || fast_ticks_ ? 1 : 20));
    }
    return true;
}

void Engine::pass_time(std::string phase, std::uint64_t deadline) {
    phase_ = std::move(phase);
    phase_end_ = deadline;
    wait_until([] { return false; }, deadline);
}

bool Engine::connect_all() {
    phase_ = "connecting";
    const std::uint64_t start = now_ns();
    phase_end_ = start + static_cast<std::uint64_t>(o_.connect_timeout * 1e9);
    const auto want = layout_.conns.size();
    wait_until([&] { return pending_.empty() && inflight_ == 0; }, phase_end_);
    r_.clients_connected = ready_;
    r_.connect_all_s = secs(now_ns() - start);
    r_.connect_join = LatencySummary::of(connect_hist_);
    if (ready_ < want) {
        r_.failures.push_back(fmt::format("only {} of {} connections got ready", ready_, want));
        return false;
    }
    return true;
}

// --- a step -------------------------------------------------------------------------------

// The self-test blaster stops between batches: wait for its count to settle, then take it as
// what its publishers sent.
void Engine::settle_external() {
    ext_->set_publishing(false);
    std::uint64_t prev = UINT64_MAX;
    for (int i = 0; i < 200 && !g_interrupted; ++i) {
        std::uint64_t total = 0;
        for (int k = 0; k < ext_->count; ++k) {
            total += ext_->sent(k);
        }
        if (total == prev) {
            break;
        }
        prev = total;
        pump(5);
    }
    auto& pubs = layout_.pubs;
    for (int k = 0; k < ext_->count; ++k) {
        pubs[pubs.size() - static_cast<std::size_t>(ext_->count) + static_cast<std::size_t>(k)]
            .sent = ext_->sent(k);
    }
}

// The target and measured rates of a step `window` seconds long.
void Engine::fill_rates(StepResult& s, double rate, double window) const {
    std::uint64_t receivers_per_pub_sum = 0;
    const bool echo = layout_.echo();
    for (const auto& room : layout_.rooms) {
        std::uint64_t alive = 0;
        for (int idx : room.receivers) {
            alive += layout_.conns[idx].state == ConnState::ready ? 1 : 0;
        }
        // In chatty rooms a talker does not receive itself (except over Redis).
        const std::uint64_t per_pub =
            echo || room.pubs.empty() ||
                    layout_.conns[room.receivers.empty() ? 0 : room.receivers.front()].self_pub < 0
                ? alive
                : (alive > 0 ? alive - 1 : 0);
        receivers_per_pub_sum += per_pub * room.pubs.size();
    }
    const auto& pubs = layout_.pubs;
    const std::size_t own_pubs = static_cast<std::size_t>(
        std::count_if(pubs.begin(), pubs.end(), [](const Pub& p) { return p.conn >= 0; }));
    s.target_published_per_s = rate * static_cast<double>(own_pubs);
    s.target_deliveries_per_s =
        pubs.empty() ? 0 : rate * static_cast<double>(receivers_per_pub_sum);
    s.published_per_s = static_cast<double>(n_.win_published) / window;
    s.deliveries_per_s = static_cast<double>(n_.win_deliveries) / window;
    s.bytes_per_s = static_cast<double>(n_.win_bytes) / window;
}

StepResult Engine::run_step(double rate) {
    StepResult s;
    s.rate_per_publisher = rate;
    const std::uint64_t lost_before = check_.lost_total();
    const std::uint64_t dup_before = n_.duplicated, ooo_before = n_.out_of_order,
                        mis_before = n_.misrouted, cor_before = n_.corrupt;
    step_disconnects_ = 0;
    rate_ = rate;
    step_start_ = now_ns();
    for (auto& p : layout_.pubs) {
        p.step_base = p.sent;
    }
    publishing_ = true;
    if (ext_ != nullptr && ext_->set_publishing) {
        ext_->set_publishing(true);
    }
    pass_time("warm-up", step_start_ + static_cast<std::uint64_t>(o_.warmup * 1e9));

    // Measure
    const std::uint64_t m0 = now_ns();
    n_.hist.reset();
    n_.win_deliveries = n_.win_published = n_.win_bytes = 0;
    n_.lat_from = m0;
    n_.lat_to = UINT64_MAX;
    n_.in_window = true;
    CpuWindow cpu(t_.pid, o_.server_core, o_.client_core);
    cpu.start();
    pass_time(o_.sweep ? fmt::format("measuring {:.0f}/s per publisher", rate) : "measuring",
              m0 + static_cast<std::uint64_t>(o_.duration * 1e9));
    const std::uint64_t m1 = now_ns();
    cpu.stop();
    n_.in_window = false;
    n_.lat_to = m1;
    const double window = secs(m1 - m0);

    // Drain: let what was published arrive, then check it all arrived.
    publishing_ = false;
    if (ext_ != nullptr && ext_->set_publishing) {
        settle_external();
    }
    phase_ = "draining";
    n_.last_delivery = now_ns();
    phase_end_ = now_ns() + static_cast<std::uint64_t>(o_.drain_timeout * 1e9);
    wait_until(
        [&] {
            // Quiet for a second with something missing: it is not coming.
            return check_.all_delivered() || now_ns() - n_.last_delivery > kSecond;
        },
        phase_end_);

    s.latency = LatencySummary::of(n_.hist);
    fill_rates(s, rate, window);
    const std::uint64_t lost_after = check_.lost_total();
    s.lost = lost_after > lost_before ? lost_after - lost_before : 0;
    s.duplicated = n_.duplicated - dup_before;
    s.out_of_order = n_.out_of_order - ooo_before;
    s.misrouted = n_.misrouted - mis_before;
    s.corrupt = n_.corrupt - cor_before;
    s.disconnects = step_disconnects_;
    cpu.fill(s, window);
    judge_step(s, VerdictRules{s.target_published_per_s > 0, o_.sweep, o_.p99_limit_ms});
    return s;
}

// --- the end ------------------------------------------------------------------------------

void Engine::finish() {
    // Per-publisher figures over the receivers still connected.
    const bool echo = layout_.echo();
    for (std::size_t id = 0; id < layout_.pubs.size(); ++id) {
        const Pub& p = layout_.pubs[id];
        PublisherResult pr;
        pr.id = static_cast<std::uint32_t>(id);
        pr.sent = p.sent;
        for (int idx : layout_.rooms[p.room].receivers) {
            const Conn& c = layout_.conns[idx];
            if (c.state != ConnState::ready || (!echo && c.self_pub == static_cast<int>(id))) {
                continue;
            }
            const SeqTracker& t = c.trackers[p.local];
            ++pr.receivers;
            pr.lost += t.lost(p.sent);
            pr.duplicated += t.duplicates;
            pr.out_of_order += t.out_of_order;
        }
        r_.publishers.push_back(pr);
    }
    if (const ProcSample s = sample_process(t_.pid); s.ok) {
        r_.server_peak_kib = s.hwm_kib;
    }
    if (server_errors_ > 0) {
        r_.notes.push_back(fmt::format("{} error replies from the server", server_errors_));
    }
    for (std::size_t i = 0; i < r_.steps.size(); ++i) {
        const auto& s = r_.steps[i];
        if (s.sustained &&
            (r_.best_step < 0 || s.deliveries_per_s > r_.steps[r_.best_step].deliveries_per_s)) {
            r_.best_step = static_cast<int>(i);
        }
    }
    // A sweep's steps are meant to fail at the top (the sweep judges itself); a plain run's
    // must not fail at all.
    if (!o_.sweep) {
        for (const StepResult& judged : r_.steps) {
            if (integrity_failed(judged)) {
                r_.failures.push_back(judged.why);
            } else if (!judged.sustained) {
                r_.notes.push_back("did not keep up: " + judged.why);
            }
        }
    }
    if (g_interrupted) {
        r_.interrupted = true;
        r_.failures.push_back("interrupted");
    }
    r_.pass = r_.failures.empty();
    if (o_.progress) {
        fmt::print(stderr, "\r\033[K");
        std::fflush(stderr);
    }
    for (auto& c : layout_.conns) {
        if (c.fd >= 0) {
            ::close(c.fd);
            c.fd = -1;
        }
    }
}

}  // namespace parley::load
