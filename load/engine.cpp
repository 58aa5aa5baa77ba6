#include "load/engine.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "load/payload.hpp"
#include "load/proc.hpp"
#include "load/stats.hpp"

namespace parley::load {

std::atomic<bool> g_interrupted{false};

namespace {

constexpr std::size_t kReadBuffer = 256 * 1024;
// A publisher with this much unsent stops producing until the server takes it: its published
// rate then shows the server pushing back instead of the client buffering without end.
constexpr std::size_t kMaxPendingOut = 256 * 1024;
constexpr std::uint64_t kSecond = 1'000'000'000ull;
// A source address serves at most this many connections to one server port: the ephemeral
// port range (32768..60999) is ~28k wide.
constexpr int kConnectionsPerSource = 25000;

enum class State { idle, connecting, handshake, ready, closed };

struct Conn {
    int fd = -1;
    State state = State::idle;
    int room = 0;
    // The client's own publisher id (chatty/rooms): where the server sends no echo (Parley,
    // NATS) its own messages are not expected. An id, not a connection: a Redis room's members
    // all publish through one shared connection.
    int self_pub = -1;
    bool receives = false;    // a checked receiver: every delivery is verified and measured
    bool subscribes = false;  // sends the subscribe hello (else the publisher hello)
    bool slow = false;        // stops reading once it is in the room
    bool churner = false;
    bool probe = false;
    bool watching_out = false;
    int attempts = 0;
    std::uint64_t t_connect = 0;
    std::uint64_t t_ready = 0;
    std::uint64_t unique = 0;  // distinct deliveries, all publishers
    std::string out;
    std::size_t out_off = 0;
    std::string carry;
    std::string nick;
    std::string last_error;
    std::vector<SeqTracker> trackers;  // indexed by the publisher's place in the room
    int churn_sent = 0;
};

struct Room {
    std::string name;
    std::vector<int> pubs;       // publisher ids
    std::vector<int> receivers;  // connection indices of checked receivers
    int shared_pub_conn = -1;    // Redis rooms: the one connection every member publishes through
};

struct Pub {
    int conn = -1;  // -1: external
    int room = 0;
    int local = 0;  // index in the room's pubs
    std::uint64_t sent = 0;
    std::uint64_t step_base = 0;
};

double secs(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e9;
}

class Engine {
  public:
    Engine(const Target& t, const ScenarioOptions& o, const ExternalPublishers* ext)
        : t_(t), o_(o), ext_(ext), rbuf_(new char[kReadBuffer]) {
        ep_ = epoll_create1(EPOLL_CLOEXEC);
        r_.target = t.label;
        r_.protocol = std::string(protocol_name(t.protocol));
        r_.scenario = o.scenario;
        echo_ = t.protocol == Protocol::redis;  // a Redis client's own publishes come back
    }
    ~Engine() {
        for (auto& c : conns_) {
            if (c.fd >= 0) {
                ::close(c.fd);
            }
        }
        ::close(ep_);
    }

    RunResult run();

    // The receive hot path: no allocation, one decode, one tracker update, one histogram add.
    void on_payload(Conn& c, std::string_view room, std::string_view bytes, std::uint64_t now) {
        if (!c.receives) {
            return;
        }
        if (in_window_) {
            ++win_deliveries_;
        }
        ++interval_deliveries_;
        const auto p = decode_payload(bytes);
        if (!p || bytes.size() != o_.size) {
            ++corrupt_;
            return;
        }
        if (p->publisher >= pubs_.size() || pubs_[p->publisher].room != c.room ||
            room != rooms_[c.room].name ||
            (!echo_ && static_cast<int>(p->publisher) == c.self_pub)) {
            ++misrouted_;
            return;
        }
        switch (c.trackers[pubs_[p->publisher].local].add(p->seq)) {
            case SeqTracker::Result::in_order:
            case SeqTracker::Result::gap:
                ++c.unique;
                break;
            case SeqTracker::Result::late:
                ++c.unique;
                ++out_of_order_;
                break;
            case SeqTracker::Result::duplicate:
                ++duplicated_;
                return;
            case SeqTracker::Result::old:
                ++out_of_order_;
                return;
        }
        last_delivery_ = now;
        if (p->sent_ns >= lat_from_ && p->sent_ns < lat_to_) {
            const std::uint64_t lat = now > p->sent_ns ? now - p->sent_ns : 0;
            hist_.record(lat);
            interval_hist_max_ = std::max(interval_hist_max_, lat);
        }
    }

    void on_control(int idx, Control k, std::string_view text);

  private:
    struct Sink {
        Engine& e;
        int idx;
        Conn& c;
        std::uint64_t now;
        void payload(std::string_view room, std::string_view p) { e.on_payload(c, room, p, now); }
        void control(Control k, std::string_view t) { e.on_control(idx, k, t); }
    };

    int add_room(std::string name) {
        rooms_.push_back(Room{std::move(name), {}, {}});
        return static_cast<int>(rooms_.size()) - 1;
    }
    int add_conn(int room, bool subscribes, bool receives) {
        Conn c;
        c.room = room;
        c.subscribes = subscribes;
        c.receives = receives;
        conns_.push_back(std::move(c));
        const int idx = static_cast<int>(conns_.size()) - 1;
        if (receives) {
            rooms_[room].receivers.push_back(idx);
        }
        return idx;
    }
    int add_pub(int room, int conn) {
        Pub p;
        p.conn = conn;
        p.room = room;
        p.local = static_cast<int>(rooms_[room].pubs.size());
        pubs_.push_back(p);
        const int id = static_cast<int>(pubs_.size()) - 1;
        rooms_[room].pubs.push_back(id);
        return id;
    }
    // A client that publishes and receives in `room`. A Redis subscriber connection cannot
    // PUBLISH, so there the client also needs a connection to publish through. With
    // `share_publisher` that connection is one per room, shared by all its members: 1000 rooms of
    // 10 then take 11,000 descriptors rather than 20,000. Each member still has its own publisher
    // id and sequence, so loss, duplicates and order are checked per member as before.
    void add_talker(int room, bool share_publisher) {
        if (t_.protocol == Protocol::redis) {
            const int sub = add_conn(room, true, true);
            int pc = share_publisher ? rooms_[room].shared_pub_conn : -1;
            if (pc < 0) {
                pc = add_conn(room, false, false);
                if (share_publisher) {
                    rooms_[room].shared_pub_conn = pc;
                }
            }
            conns_[sub].self_pub = add_pub(room, pc);
        } else {
            const int c = add_conn(room, true, true);
            conns_[c].self_pub = add_pub(room, c);
        }
    }
    // A client that only publishes. Parley has no such thing: it joins, and gets (and drops)
    // the room's other traffic.
    void add_publisher(int room) {
        add_pub(room, add_conn(room, t_.protocol == Protocol::parley, false));
    }

    void setup();
    bool connect_all();
    void open_conn(int idx);
    void on_event(int idx, std::uint32_t events);
    void read_conn(int idx);
    void flush(int idx);
    void watch(int idx, bool in, bool out);
    void close_conn(int idx, const std::string& reason);
    void mark_ready(int idx);
    void pump(int timeout_ms);
    void tick();
    void publish_tick(std::uint64_t now);
    void churn_tick(std::uint64_t now);
    void progress(std::uint64_t now, bool force = false);
    bool wait_until(const std::function<bool()>& done, std::uint64_t deadline);
    StepResult run_step(double rate);
    bool all_delivered() const;
    std::uint64_t lost_total() const;
    bool healthy(const Conn& c) const { return !c.slow && !c.churner && !c.probe; }
    void finish();
    void run_idle();
    void check_slow();
    void stall_slow();
    long probe_members();

    const Target t_;
    const ScenarioOptions o_;
    const ExternalPublishers* ext_;
    RunResult r_;
    int ep_ = -1;
    std::unique_ptr<char[]> rbuf_;
    bool echo_ = false;
    std::vector<Conn> conns_;
    std::vector<Room> rooms_;
    std::vector<Pub> pubs_;
    std::vector<int> pending_;  // connections still to open, last first
    int inflight_ = 0;
    std::uint64_t ready_ = 0;
    std::uint64_t source_count_ = 0;
    Histogram connect_hist_;

    // Publishing
    bool publishing_ = false;
    double rate_ = 0;
    std::uint64_t step_start_ = 0;
    int churn_room_ = -1;
    std::uint64_t churn_started_ = 0, churn_spawned_ = 0, churn_failed_ = 0, churn_done_ = 0;
    std::uint64_t churn_begin_ = 0;
    bool churning_ = false;

    // Measuring
    bool in_window_ = false;
    std::uint64_t lat_from_ = UINT64_MAX, lat_to_ = UINT64_MAX;
    Histogram hist_;
    std::uint64_t win_deliveries_ = 0, win_published_ = 0, win_bytes_ = 0;
    std::uint64_t interval_deliveries_ = 0, interval_published_ = 0;
    std::uint64_t interval_hist_max_ = 0;
    std::uint64_t duplicated_ = 0, out_of_order_ = 0, misrouted_ = 0, corrupt_ = 0;
    std::uint64_t step_disconnects_ = 0;
    std::uint64_t last_delivery_ = 0;
    std::uint64_t last_progress_ = 0;
    std::string phase_ = "connecting";
    std::uint64_t phase_end_ = 0;
    std::uint64_t server_errors_ = 0;
    std::unordered_set<std::string> slow_nicks_;
    bool stalled_ = false;  // the slow clients stopped reading
    std::uint64_t slow_quits_seen_ = 0;
    long probe_reply_ = -2;  // -2: waiting; members summed from /rooms
    long probe_sum_ = 0;
};

void Engine::setup() {
    const std::string base = fmt::format("lt{}", o_.run_id);
    const auto& s = o_.scenario;
    if (s == "fanout" || s == "slow" || s == "churn") {
        const int room = add_room(base);
        for (int i = 0; i < o_.clients; ++i) {
            add_conn(room, true, true);
        }
        for (int i = 0; i < o_.publishers; ++i) {
            add_publisher(room);
        }
        if (ext_ != nullptr) {
            for (int i = 0; i < ext_->count; ++i) {
                add_pub(room, -1);
            }
        }
        if (s == "slow") {
            for (int i = 0; i < o_.slow; ++i) {
                conns_[add_conn(room, true, false)].slow = true;
            }
        }
        if (s == "churn") {
            churn_room_ = add_room(base + "c");
            if (t_.protocol == Protocol::parley) {
                conns_[add_conn(room, false, false)].probe = true;
            }
        }
    } else if (s == "chatty") {
        // About a hundred clients fit easily, so each Redis member keeps its own publisher
        // connection, like a Parley or NATS member: a shared one would let Redis read several
        // members' PUBLISHes with one read, a batching the other servers are not given.
        const int room = add_room(base);
        for (int i = 0; i < o_.clients; ++i) {
            add_talker(room, false);
        }
    } else if (s == "rooms") {
        // Often thousands of members: over Redis they share one publisher connection per room,
        // or 1000 rooms of 10 would not fit in 20,000 descriptors.
        for (int r = 0; r < o_.rooms; ++r) {
            const int room = add_room(fmt::format("{}r{}", base, r));
            for (int i = 0; i < o_.members; ++i) {
                add_talker(room, true);
            }
        }
    } else if (s == "idle") {
        const int per_room = std::max(1, o_.members);
        int room = -1;
        for (int i = 0; i < o_.clients; ++i) {
            if (i % per_room == 0) {
                room = add_room(fmt::format("{}r{}", base, i / per_room));
            }
            add_conn(room, true, true);
        }
    } else {
        throw std::runtime_error("unknown scenario: " + s);
    }
    for (auto& c : conns_) {
        if (c.receives) {
            c.trackers.resize(rooms_[c.room].pubs.size());
        }
    }
    r_.clients_wanted = conns_.size();
    for (int i = static_cast<int>(conns_.size()) - 1; i >= 0; --i) {
        pending_.push_back(i);
    }
}

void Engine::watch(int idx, bool in, bool out) {
    Conn& c = conns_[idx];
    epoll_event ev{};
    ev.events = (in ? EPOLLIN : 0u) | (out ? EPOLLOUT : 0u);
    ev.data.u64 = static_cast<std::uint64_t>(idx);
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    c.watching_out = out;
}

void Engine::open_conn(int idx) {
    Conn& c = conns_[idx];
    ++c.attempts;
    c.t_connect = now_ns();
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        ++r_.failed_connects;
        r_.disconnect_reasons[fmt::format("socket: {}", std::strerror(errno))]++;
        c.state = State::closed;
        return;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(t_.port);
    inet_pton(AF_INET, t_.host.c_str(), &addr.sin_addr);
    // Past ~28k connections to one port the loopback source ports run out: spread them over
    // 127.0.0.1, 127.0.0.2, ... (all of 127/8 is loopback), in blocks, or round robin over
    // --sources addresses.
    const bool loopback = (ntohl(addr.sin_addr.s_addr) >> 24) == 127;
    const int source =
        loopback ? source_index(o_, t_.protocol, source_count_++, kConnectionsPerSource) : -1;
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
    c.state = State::connecting;
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
    Conn& c = conns_[idx];
    if (c.state == State::closed) {
        return;
    }
    const bool was_ready = c.state == State::ready;
    if (c.state == State::connecting || c.state == State::handshake) {
        --inflight_;
    }
    if (c.fd >= 0) {
        epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
    }
    c.state = State::closed;
    if (c.churner) {
        return;
    }
    if (was_ready && healthy(c)) {
        ++step_disconnects_;
    }
    if (c.slow) {
        r_.disconnect_reasons["slow client: " + reason]++;
    } else {
        r_.disconnect_reasons[reason]++;
    }
}

void Engine::mark_ready(int idx) {
    Conn& c = conns_[idx];
    if (c.state != State::handshake) {
        return;
    }
    c.state = State::ready;
    c.t_ready = now_ns();
    --inflight_;
    if (c.churner) {
        // Chat briefly, then leave: every other one abruptly (RST), the rest politely.
        for (int i = 0; i < o_.churn_messages; ++i) {
            append_publish(t_.protocol, c.out, rooms_[c.room].name, o_.size,
                           Payload{kMaxPublisherId, static_cast<std::uint64_t>(i), c.t_ready});
        }
        flush(idx);
        if (c.state == State::closed) {
            return;
        }
        ++churn_done_;
        if (churn_done_ % 2 == 0) {
            linger lg{1, 0};
            setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            close_conn(idx, "churn");
        } else {
            if (t_.protocol == Protocol::parley) {
                c.out += "/quit\n";
                flush(idx);
            }
            if (c.fd >= 0) {
                ::shutdown(c.fd, SHUT_WR);  // the server closes; read_conn sees EOF and closes
            }
        }
        return;
    }
    ++ready_;
    connect_hist_.record(c.t_ready - c.t_connect);
    if (c.slow) {
        slow_nicks_.insert(c.nick);
    }
}

void Engine::on_control(int idx, Control k, std::string_view text) {
    Conn& c = conns_[idx];
    switch (k) {
        case Control::line: {
            if (c.state == State::handshake) {
                if (c.nick.empty()) {
                    const auto nick = parley_welcome_nick(text);
                    if (!nick.empty()) {
                        c.nick = nick;
                    }
                } else if (parley_is_join(text, c.nick, rooms_[c.room].name)) {
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
            if (c.probe && text.starts_with("--- ")) {
                if (text.starts_with("--- Rooms (")) {
                    probe_sum_ = 0;
                } else if (const long m = parley_room_members(text); m >= 0) {
                    probe_sum_ += m;
                    // /rooms lists every room; our churn room is the last one we care about, but
                    // the reply has no end marker, so the count settles after a quiet moment.
                    probe_reply_ = probe_sum_;
                }
                return;
            }
            if (!slow_nicks_.empty() && !rooms_[c.room].receivers.empty() &&
                rooms_[c.room].receivers.front() == idx) {
                std::string_view nick, reason;
                if (parley_quit(text, nick, reason) && slow_nicks_.contains(std::string(nick))) {
                    ++slow_quits_seen_;
                    r_.extra[fmt::format("slow_quit_{}", reason)] += 1;
                }
            }
            return;
        }
        case Control::subscribed:
        case Control::pong:
            mark_ready(idx);
            return;
        case Control::ping:
            c.out += kNatsPong;
            return;
        case Control::error:
            ++server_errors_;
            c.last_error = text;
            return;
        case Control::other:
            return;
    }
}

void Engine::flush(int idx) {
    Conn& c = conns_[idx];
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
                watch(idx, !(stalled_ && c.slow && c.state == State::ready), true);
            }
            return;
        }
        close_conn(idx, fmt::format("send: {}", std::strerror(errno)));
        return;
    }
    c.out.clear();
    c.out_off = 0;
    if (c.watching_out && c.state != State::connecting) {
        watch(idx, !(stalled_ && c.slow && c.state == State::ready), false);
    }
}

void Engine::read_conn(int idx) {
    Conn& c = conns_[idx];
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
    if (in_window_) {
        win_bytes_ += static_cast<std::uint64_t>(n);
    }
    const std::size_t total = carried + static_cast<std::size_t>(n);
    Sink sink{*this, idx, c, now_ns()};
    const std::size_t used = parse_stream(t_.protocol, rbuf_.get(), total, sink);
    if (c.state == State::closed) {
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
    Conn& c = conns_[idx];
    if (c.state == State::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
            ++r_.failed_connects;
            const std::string reason =
                fmt::format("connect: {}", std::strerror(err ? err : ECONNREFUSED));
            close_conn(idx, reason);
            if (c.attempts < 3 && !c.churner) {
                c.state = State::idle;
                pending_.push_back(idx);
            } else if (c.churner) {
                ++churn_failed_;
            }
            return;
        }
        c.state = State::handshake;
        if (c.subscribes) {
            append_subscribe(t_.protocol, c.out, rooms_[c.room].name);
        } else {
            append_publisher_hello(t_.protocol, c.out, rooms_[c.room].name);
        }
        watch(idx, true, false);
        flush(idx);
        return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        read_conn(idx);
    }
    if (c.state != State::closed && (events & EPOLLOUT) && !c.out.empty()) {
        flush(idx);
    }
}

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
        if (conns_[idx].state != State::closed) {
            on_event(idx, events[i].events);
        }
    }
    tick();
}

void Engine::tick() {
    const std::uint64_t now = now_ns();
    if (publishing_) {
        publish_tick(now);
    }
    if (churning_) {
        churn_tick(now);
    }
    progress(now);
}

void Engine::publish_tick(std::uint64_t now) {
    const double elapsed = secs(now - step_start_);
    for (std::size_t id = 0; id < pubs_.size(); ++id) {
        Pub& p = pubs_[id];
        if (p.conn < 0) {
            continue;
        }
        Conn& c = conns_[p.conn];
        // The limit is per connection: the publishers sharing one (a Redis room) all wait for
        // it together, each keeping its own count of what is due.
        if (c.state != State::ready || c.out.size() - c.out_off > kMaxPendingOut) {
            continue;
        }
        // Each publisher gets its own phase, spread evenly (golden ratio): in step they would all
        // send in the same millisecond and every message would queue behind a burst.
        const double phase = std::fmod(static_cast<double>(id) * 0.6180339887498949, 1.0);
        const auto due = p.step_base + static_cast<std::uint64_t>(elapsed * rate_ + phase);
        if (due <= p.sent) {
            continue;
        }
        const std::uint64_t n = std::min<std::uint64_t>(due - p.sent, 4096);
        for (std::uint64_t i = 0; i < n; ++i) {
            append_publish(t_.protocol, c.out, rooms_[p.room].name, o_.size,
                           Payload{static_cast<std::uint32_t>(id), p.sent++, now});
        }
        if (in_window_) {
            win_published_ += n;
        }
        interval_published_ += n;
        // Flushed per publisher, even on a shared connection: the members' messages are not
        // gathered into fewer sends than separate clients would make.
        flush(p.conn);
    }
}

void Engine::churn_tick(std::uint64_t now) {
    const auto due = static_cast<std::uint64_t>(secs(now - churn_begin_) * o_.churn_rate);
    while (churn_spawned_ < due && inflight_ < o_.connect_concurrency) {
        const int idx = add_conn(churn_room_, true, false);
        conns_[idx].churner = true;
        ++churn_spawned_;
        open_conn(idx);
    }
}

void Engine::progress(std::uint64_t now, bool force) {
    if (!o_.progress || (!force && now - last_progress_ < kSecond)) {
        return;
    }
    const double dt = last_progress_ == 0 ? 1.0 : secs(now - last_progress_);
    last_progress_ = now;
    const double left = phase_end_ > now ? secs(phase_end_ - now) : 0.0;
    fmt::print(stderr,
               "\r\033[K[{} {}] {}{} | published {:.0f}/s | delivered {:.0f}/s | max latency "
               "{:.1f} ms | ready {}/{}",
               t_.label, o_.scenario, phase_, left > 0 ? fmt::format(" {:.0f}s left", left) : "",
               static_cast<double>(interval_published_) / dt,
               static_cast<double>(interval_deliveries_) / dt,
               static_cast<double>(interval_hist_max_) / 1e6, ready_, r_.clients_wanted);
    std::fflush(stderr);
    interval_deliveries_ = interval_published_ = interval_hist_max_ = 0;
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
        pump(std::clamp(left_ms, 0, publishing_ || churning_ ? 1 : 20));
    }
    return true;
}

bool Engine::connect_all() {
    phase_ = "connecting";
    const std::uint64_t start = now_ns();
    phase_end_ = start + static_cast<std::uint64_t>(o_.connect_timeout * 1e9);
    const auto want = conns_.size();
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

bool Engine::all_delivered() const {
    std::vector<std::uint64_t> room_sent(rooms_.size(), 0);
    for (const auto& p : pubs_) {
        room_sent[p.room] += p.sent;
    }
    for (const auto& room : rooms_) {
        for (int idx : room.receivers) {
            const Conn& c = conns_[idx];
            if (c.state != State::ready) {
                continue;
            }
            std::uint64_t expect = room_sent[c.room];
            if (!echo_ && c.self_pub >= 0) {
                expect -= pubs_[c.self_pub].sent;
            }
            if (c.unique < expect) {
                return false;
            }
        }
    }
    return true;
}

std::uint64_t Engine::lost_total() const {
    std::uint64_t lost = 0;
    for (const auto& room : rooms_) {
        for (int idx : room.receivers) {
            const Conn& c = conns_[idx];
            if (c.state != State::ready) {
                continue;
            }
            for (std::size_t i = 0; i < room.pubs.size(); ++i) {
                if (!echo_ && room.pubs[i] == c.self_pub) {
                    continue;
                }
                lost += c.trackers[i].lost(pubs_[room.pubs[i]].sent);
            }
        }
    }
    return lost;
}

StepResult Engine::run_step(double rate) {
    StepResult s;
    s.rate_per_publisher = rate;
    const std::uint64_t lost_before = lost_total();
    const std::uint64_t dup_before = duplicated_, ooo_before = out_of_order_,
                        mis_before = misrouted_, cor_before = corrupt_;
    step_disconnects_ = 0;
    rate_ = rate;
    step_start_ = now_ns();
    for (auto& p : pubs_) {
        p.step_base = p.sent;
    }
    publishing_ = true;
    if (ext_ != nullptr && ext_->set_publishing) {
        ext_->set_publishing(true);
    }
    phase_ = "warm-up";
    phase_end_ = step_start_ + static_cast<std::uint64_t>(o_.warmup * 1e9);
    wait_until([] { return false; }, phase_end_);

    // Measure
    phase_ = o_.sweep ? fmt::format("measuring {:.0f}/s per publisher", rate) : "measuring";
    const std::uint64_t m0 = now_ns();
    phase_end_ = m0 + static_cast<std::uint64_t>(o_.duration * 1e9);
    hist_.reset();
    win_deliveries_ = win_published_ = win_bytes_ = 0;
    lat_from_ = m0;
    lat_to_ = UINT64_MAX;
    in_window_ = true;
    const ProcSample srv0 = sample_process(t_.pid);
    const double cli0 = self_cpu_seconds();
    const CoreSample sc0 = sample_core(o_.server_core), cc0 = sample_core(o_.client_core);
    wait_until([] { return false; }, phase_end_);
    const CoreSample sc1 = sample_core(o_.server_core), cc1 = sample_core(o_.client_core);
    const std::uint64_t m1 = now_ns();
    in_window_ = false;
    lat_to_ = m1;
    const ProcSample srv1 = sample_process(t_.pid);
    const double cli1 = self_cpu_seconds();
    const double window = secs(m1 - m0);

    // Drain: let what was published arrive, then check it all arrived.
    publishing_ = false;
    if (ext_ != nullptr && ext_->set_publishing) {
        ext_->set_publishing(false);
        // The blaster stops between batches; wait for its count to settle before judging.
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
        for (int k = 0; k < ext_->count; ++k) {
            pubs_[pubs_.size() - static_cast<std::size_t>(ext_->count) +
                  static_cast<std::size_t>(k)]
                .sent = ext_->sent(k);
        }
    }
    phase_ = "draining";
    last_delivery_ = now_ns();
    phase_end_ = now_ns() + static_cast<std::uint64_t>(o_.drain_timeout * 1e9);
    wait_until(
        [&] {
            // Quiet for a second with something missing: it is not coming.
            return all_delivered() || now_ns() - last_delivery_ > kSecond;
        },
        phase_end_);

    s.latency = LatencySummary::of(hist_);
    std::uint64_t receivers_per_pub_sum = 0;
    for (const auto& room : rooms_) {
        std::uint64_t alive = 0;
        for (int idx : room.receivers) {
            alive += conns_[idx].state == State::ready ? 1 : 0;
        }
        // In chatty rooms a talker does not receive itself (except over Redis).
        const std::uint64_t per_pub =
            echo_ || room.pubs.empty() ||
                    conns_[room.receivers.empty() ? 0 : room.receivers.front()].self_pub < 0
                ? alive
                : (alive > 0 ? alive - 1 : 0);
        receivers_per_pub_sum += per_pub * room.pubs.size();
    }
    const std::size_t own_pubs = static_cast<std::size_t>(
        std::count_if(pubs_.begin(), pubs_.end(), [](const Pub& p) { return p.conn >= 0; }));
    s.target_published_per_s = rate * static_cast<double>(own_pubs);
    s.target_deliveries_per_s =
        pubs_.empty() ? 0 : rate * static_cast<double>(receivers_per_pub_sum);
    s.published_per_s = static_cast<double>(win_published_) / window;
    s.deliveries_per_s = static_cast<double>(win_deliveries_) / window;
    s.bytes_per_s = static_cast<double>(win_bytes_) / window;
    const std::uint64_t lost_after = lost_total();
    s.lost = lost_after > lost_before ? lost_after - lost_before : 0;
    s.duplicated = duplicated_ - dup_before;
    s.out_of_order = out_of_order_ - ooo_before;
    s.misrouted = misrouted_ - mis_before;
    s.corrupt = corrupt_ - cor_before;
    s.disconnects = step_disconnects_;
    s.client_cpu = 100.0 * (cli1 - cli0) / window;
    if (srv0.ok && srv1.ok) {
        s.server_cpu = 100.0 * (srv1.cpu_s - srv0.cpu_s) / window;
        s.server_rss_kib = srv1.rss_kib;
    }
    s.server_core_busy = core_busy_percent(sc0, sc1);
    s.client_core_busy = core_busy_percent(cc0, cc1);
    // Which side ran out of CPU: past 90 % of one core a single-threaded process cannot go
    // faster. A core can also be full while the process is not: loopback TCP does much of its
    // work in softirq time charged to the core, and on a shared machine other processes run
    // there too. That is told apart, since it is a different story.
    const bool srv_proc = s.server_cpu >= 90, cli_proc = s.client_cpu >= 90;
    const bool srv_core = s.server_core_busy >= 95, cli_core = s.client_core_busy >= 95;
    if (srv_proc || cli_proc) {
        s.bottleneck = srv_proc && cli_proc ? (s.server_cpu >= s.client_cpu ? "server" : "client")
                       : srv_proc           ? "server"
                                            : "client";
    } else if (srv_core && cli_core) {
        s.bottleneck = "both cores full (softirq or other processes)";
    } else if (srv_core) {
        s.bottleneck = "server core full (softirq or other processes)";
    } else if (cli_core) {
        s.bottleneck = "client core full (softirq or other processes)";
    } else {
        s.bottleneck = s.server_cpu < 0 ? "unknown (remote server)" : "neither";
    }
    std::vector<std::string> why;
    if (s.lost + s.duplicated + s.out_of_order + s.misrouted + s.corrupt > 0) {
        why.push_back(
            fmt::format("{} lost, {} duplicated, {} out of order, {} misrouted, {} corrupt", s.lost,
                        s.duplicated, s.out_of_order, s.misrouted, s.corrupt));
    }
    if (s.disconnects > 0) {
        why.push_back(fmt::format("{} healthy clients disconnected", s.disconnects));
    }
    if (own_pubs > 0 && s.published_per_s < 0.95 * s.target_published_per_s) {
        why.push_back(fmt::format("published {:.0f}/s of {:.0f}/s", s.published_per_s,
                                  s.target_published_per_s));
    }
    if (own_pubs > 0 && s.deliveries_per_s < 0.95 * s.target_deliveries_per_s) {
        why.push_back(fmt::format("delivered {:.0f}/s of {:.0f}/s", s.deliveries_per_s,
                                  s.target_deliveries_per_s));
    }
    if (o_.sweep && s.latency.p99_us > o_.p99_limit_ms * 1000) {
        why.push_back(
            fmt::format("p99 {:.1f} ms over {:.0f} ms", s.latency.p99_us / 1000, o_.p99_limit_ms));
    }
    s.sustained = why.empty();
    for (std::size_t i = 0; i < why.size(); ++i) {
        if (i) {
            s.why += "; ";
        }
        s.why += why[i];
    }
    return s;
}

long Engine::probe_members() {
    for (std::size_t i = 0; i < conns_.size(); ++i) {
        Conn& c = conns_[i];
        if (!c.probe || c.state != State::ready) {
            continue;
        }
        probe_reply_ = -2;
        c.out += "/rooms\n";
        flush(static_cast<int>(i));
        // The reply has no end line: wait for it to start, then for a quiet 200 ms.
        wait_until([&] { return probe_reply_ >= 0; }, now_ns() + 5 * kSecond);
        long last = -3;
        while (last != probe_reply_ && !g_interrupted) {
            last = probe_reply_;
            const std::uint64_t until = now_ns() + kSecond / 5;
            wait_until([] { return false; }, until);
        }
        return probe_reply_;
    }
    return -1;
}

void Engine::stall_slow() {
    stalled_ = true;
    for (std::size_t i = 0; i < conns_.size(); ++i) {
        if (conns_[i].slow && conns_[i].state == State::ready) {
            watch(static_cast<int>(i), false, conns_[i].watching_out);
        }
    }
}

void Engine::check_slow() {
    // A slow client never read; if the server evicted it, its socket now ends in EOF or RST.
    std::uint64_t evicted = 0, total = 0;
    for (std::size_t i = 0; i < conns_.size(); ++i) {
        Conn& c = conns_[i];
        if (!c.slow) {
            continue;
        }
        ++total;
        if (c.state == State::closed) {
            ++evicted;
            continue;
        }
        bool gone = false;
        for (int k = 0; k < 10000; ++k) {
            const ssize_t n = ::recv(c.fd, rbuf_.get(), kReadBuffer, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                gone = true;
                break;
            }
            if (n < 0) {
                break;
            }
        }
        if (gone) {
            ++evicted;
            close_conn(static_cast<int>(i), "evicted");
        }
    }
    r_.extra["slow_clients"] = static_cast<double>(total);
    r_.extra["slow_evicted"] = static_cast<double>(evicted);
    if (evicted < total) {
        r_.notes.push_back(fmt::format("{} of {} slow clients were not evicted by the end",
                                       total - evicted, total));
    }
}

void Engine::run_idle() {
    const ProcSample before = sample_process(t_.pid);
    if (!connect_all()) {
        return;
    }
    phase_ = "idle";
    phase_end_ = now_ns() + static_cast<std::uint64_t>(o_.duration * 1e9);
    const double cli0 = self_cpu_seconds();
    const ProcSample srv0 = sample_process(t_.pid);
    const std::uint64_t t0 = now_ns();
    wait_until([] { return false; }, phase_end_);
    const ProcSample after = sample_process(t_.pid);
    StepResult s;
    s.client_cpu = 100.0 * (self_cpu_seconds() - cli0) / secs(now_ns() - t0);
    s.disconnects = step_disconnects_;
    s.bottleneck = "neither";
    if (before.ok && after.ok) {
        s.server_cpu = 100.0 * (after.cpu_s - srv0.cpu_s) / secs(now_ns() - t0);
        s.server_rss_kib = after.rss_kib;
        r_.extra["server_rss_before_kib"] = before.rss_kib;
        r_.extra["server_rss_after_kib"] = after.rss_kib;
        r_.extra["server_kib_per_connection"] =
            (after.rss_kib - before.rss_kib) /
            static_cast<double>(std::max<std::uint64_t>(1, ready_));
    }
    s.sustained = s.disconnects == 0;
    if (!s.sustained) {
        s.why = fmt::format("{} idle clients disconnected", s.disconnects);
    }
    r_.steps.push_back(s);
}

void Engine::finish() {
    // Per-publisher figures over the receivers still connected.
    for (std::size_t id = 0; id < pubs_.size(); ++id) {
        const Pub& p = pubs_[id];
        PublisherResult pr;
        pr.id = static_cast<std::uint32_t>(id);
        pr.sent = p.sent;
        for (int idx : rooms_[p.room].receivers) {
            const Conn& c = conns_[idx];
            if (c.state != State::ready || (!echo_ && c.self_pub == static_cast<int>(id))) {
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
    // A sweep is expected to end at a step that failed; a plain run must not fail at all.
    for (std::size_t i = 0; i < r_.steps.size(); ++i) {
        const StepResult& judged = r_.steps[i];
        if (o_.sweep) {
            if (i == 0 && !judged.sustained) {
                r_.failures.push_back("the first sweep step already failed: " + judged.why);
            }
            break;
        }
        const bool integrity_bad = judged.lost + judged.duplicated + judged.out_of_order +
                                           judged.misrouted + judged.corrupt >
                                       0 ||
                                   judged.disconnects > 0;
        if (integrity_bad) {
            r_.failures.push_back(judged.why);
        } else if (!judged.sustained) {
            r_.notes.push_back("did not keep up: " + judged.why);
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
    for (std::size_t i = 0; i < conns_.size(); ++i) {
        if (conns_[i].fd >= 0) {
            ::close(conns_[i].fd);
            conns_[i].fd = -1;
        }
    }
}

RunResult Engine::run() {
    setup();
    if (o_.scenario == "idle") {
        run_idle();
        finish();
        return r_;
    }
    if (!connect_all()) {
        finish();
        return r_;
    }
    if (o_.scenario == "churn") {
        // Baseline after the steady clients are in, before any churn.
        const ProcSample base = sample_process(t_.pid);
        const long members_before = probe_members();
        churn_begin_ = now_ns();
        churning_ = true;
        r_.steps.push_back(run_step(o_.rate));
        churning_ = false;
        // Let the last churners finish leaving.
        wait_until([&] { return inflight_ == 0; }, now_ns() + 10 * kSecond);
        wait_until(
            [&] {
                return std::none_of(conns_.begin(), conns_.end(), [](const Conn& c) {
                    return c.churner && c.state != State::closed;
                });
            },
            now_ns() + 10 * kSecond);
        // A churner that closed its side is gone for the client at once, but the server sees
        // its EOF in its own time: ask again until the count is back or 5 s have passed.
        long members_after = probe_members();
        const std::uint64_t settle_until = now_ns() + 5 * kSecond;
        while (members_before >= 0 && members_after != members_before && !g_interrupted &&
               now_ns() < settle_until) {
            members_after = probe_members();
        }
        const ProcSample after = sample_process(t_.pid);
        r_.extra["churn_connections"] = static_cast<double>(churn_spawned_);
        r_.extra["churn_failed_connects"] = static_cast<double>(churn_failed_);
        r_.extra["churn_completed"] = static_cast<double>(churn_done_);
        if (base.ok && after.ok) {
            r_.extra["server_rss_baseline_kib"] = base.rss_kib;
            r_.extra["server_rss_after_kib"] = after.rss_kib;
            // Allocators keep some freed memory, so only a clear growth is worth a note.
            if (after.rss_kib > base.rss_kib * 1.2 + 1024) {
                r_.notes.push_back(
                    fmt::format("server memory grew from {:.0f} to {:.0f} KiB over the churn: a "
                                "leak, or memory "
                                "the allocator keeps",
                                base.rss_kib, after.rss_kib));
            }
        }
        if (members_before >= 0) {
            r_.extra["server_members_baseline"] = static_cast<double>(members_before);
            r_.extra["server_members_after"] = static_cast<double>(members_after);
            if (members_after != members_before) {
                r_.failures.push_back(fmt::format("server member count {} after churn, {} before",
                                                  members_after, members_before));
            }
        }
        if (churn_failed_ > 0) {
            r_.failures.push_back(fmt::format("{} churn connects failed", churn_failed_));
        }
    } else if (o_.sweep) {
        double rate = o_.rate;
        bool retried = false;
        for (int i = 0; i < o_.sweep_steps && !g_interrupted; ++i) {
            StepResult s = run_step(rate);
            const bool ok = s.sustained;
            // Latency alone over the limit may be a moment of noise on a shared machine: that
            // rate gets one more try before it ends the sweep. Loss or disconnects do not.
            const bool latency_only = !ok && s.lost + s.duplicated + s.out_of_order + s.misrouted +
                                                     s.corrupt + s.disconnects ==
                                                 0;
            r_.steps.push_back(std::move(s));
            if (!ok && latency_only && !retried && ready_ > 0) {
                retried = true;
                --i;
                continue;
            }
            if (!ok || ready_ == 0) {
                break;
            }
            retried = false;
            rate *= o_.sweep_factor;
        }
        if (!r_.steps.empty() && r_.steps.back().sustained) {
            r_.notes.push_back(
                "the sweep ran out of steps before anything failed: the highest rate is a floor, "
                "not the ceiling (raise --sweep-steps or --rate)");
        }
    } else if (o_.scenario == "slow") {
        // First a baseline with the would-be slow clients still reading, then the same load
        // with them stalled: the healthy clients' figures should not change.
        r_.step_labels = {"baseline: every client reading", "with the slow clients not reading"};
        r_.steps.push_back(run_step(o_.rate));
        stall_slow();
        r_.steps.push_back(run_step(o_.rate));
        check_slow();
        const StepResult &a = r_.steps[0], &b = r_.steps[1];
        if (a.latency.p99_us > 0) {
            r_.extra["slow_healthy_p99_ratio"] = b.latency.p99_us / a.latency.p99_us;
        }
        if (a.deliveries_per_s > 0) {
            r_.extra["slow_healthy_delivery_ratio"] = b.deliveries_per_s / a.deliveries_per_s;
        }
    } else {
        r_.steps.push_back(run_step(o_.rate));
    }
    finish();
    return r_;
}

}  // namespace

int source_index(const ScenarioOptions& o, Protocol p, std::uint64_t n, int per_source) {
    if (o.sources > 0) {
        return static_cast<int>(n % static_cast<std::uint64_t>(o.sources));
    }
    if (connections_needed(o, p) > per_source) {
        return static_cast<int>(n / static_cast<std::uint64_t>(per_source));
    }
    return -1;
}

int connections_needed(const ScenarioOptions& o, Protocol p) {
    const bool redis = p == Protocol::redis;
    if (o.scenario == "chatty") {
        // A Redis member subscribes on one connection and publishes on another.
        return o.clients * (redis ? 2 : 1);
    }
    if (o.scenario == "rooms") {
        // A Redis room's members publish through one shared connection (Engine::add_talker).
        return o.rooms * o.members + (redis && o.members > 0 ? o.rooms : 0);
    }
    if (o.scenario == "idle") {
        return o.clients;
    }
    return o.clients + o.publishers + (o.scenario == "slow" ? o.slow : 0) +
           (o.scenario == "churn" ? 1 + o.connect_concurrency : 0);
}

RunResult run_scenario(const Target& target, const ScenarioOptions& options,
                       const ExternalPublishers* external) {
    Engine e(target, options, external);
    return e.run();
}

}  // namespace parley::load
