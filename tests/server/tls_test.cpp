// The TLS transport against a real OpenSSL client over loopback: the server side runs as Parley
// runs it, in coroutines on an io_context, waiting for readiness and calling the non-blocking
// operations; the client is plain blocking OpenSSL on the test's thread. Certificates are made
// at test time in a temporary directory. Every wait has a deadline; nothing sleeps.

#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/transport/tls.hpp"
#include "tests/support/temp_dir.hpp"

using namespace parley;
using parley::test::TempDir;
using namespace std::chrono_literals;
using Status = TlsResult::Status;

namespace {

// Long enough for a loaded 2-core machine under ASan; only failures ever wait this long.
constexpr auto patience = 10s;

// --- certificates -------------------------------------------------------------------------------

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

Key make_key() {
    Key key(EVP_EC_gen("P-256"));
    REQUIRE(key);
    return key;
}

// A self-signed certificate for `key`, valid for a day, with CN=`cn`.
Cert make_cert(EVP_PKEY* key, const char* cn) {
    Cert cert(X509_new());
    REQUIRE(cert);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 60 * 60);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    REQUIRE(X509_sign(cert.get(), key, EVP_sha256()) > 0);
    return cert;
}

void write_key(const std::string& path, EVP_PKEY* key, const char* passphrase = nullptr) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    const int len = passphrase ? static_cast<int>(std::strlen(passphrase)) : 0;
    const int ok = PEM_write_PrivateKey(f, key, passphrase ? EVP_aes_256_cbc() : nullptr,
                                        reinterpret_cast<const unsigned char*>(passphrase), len,
                                        nullptr, nullptr);
    std::fclose(f);
    REQUIRE(ok == 1);
}

void write_cert(const std::string& path, X509* cert) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    const int ok = PEM_write_X509(f, cert);
    std::fclose(f);
    REQUIRE(ok == 1);
}

// A matching certificate and key in `dir`, as NAME.crt and NAME.key, with CN=NAME.
struct Credentials {
    std::string cert;
    std::string key;
};

Credentials make_credentials(const TempDir& dir, const std::string& name) {
    Key key = make_key();
    Cert cert = make_cert(key.get(), name.c_str());
    Credentials c{dir.file(name + ".crt"), dir.file(name + ".key")};
    write_cert(c.cert, cert.get());
    write_key(c.key, key.get());
    return c;
}

// --- the log ------------------------------------------------------------------------------------

// Catches what the server logs while the test runs.
class LogCapture {
  public:
    LogCapture()
        : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64)),
          previous_(spdlog::default_logger()) {
        sink_->set_pattern("%v");
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("tls-test", sink_));
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }

    std::vector<std::string> lines() const { return sink_->last_formatted(); }
    bool has(std::string_view text) const {
        for (const std::string& line : lines()) {
            if (line.find(text) != std::string::npos) {
                return true;
            }
        }
        return false;
    }

  private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
    std::shared_ptr<spdlog::logger> previous_;
};

// --- the server side: an io_context on its own thread ------------------------------------------

class Loop {
  public:
    Loop() : acceptor(io.get_executor(), {asio::ip::address_v4::loopback(), 0}) {
        thread_ = std::thread([this] { io.run(); });
    }
    ~Loop() {
        work_.reset();
        io.stop();
        thread_.join();
    }
    unsigned short port() const { return acceptor.local_endpoint().port(); }

    // Starts `task` on the loop; its result, or its exception, arrives in the future.
    template <class T>
    std::future<T> spawn(Task<T> task) {
        return asio::co_spawn(io.get_executor(), std::move(task), asio::use_future);
    }
    // Runs `f` on the loop's thread and waits for it: what the server's objects are only ever
    // touched from.
    template <class F>
    void run(F f) {
        // Shared, not moved into the handler: Asio takes a packaged_task given to post() for
        // a completion token, and would take its future too.
        auto job = std::make_shared<std::packaged_task<void()>>(std::move(f));
        std::future<void> done = job->get_future();
        asio::post(io, [job] { (*job)(); });
        REQUIRE(done.wait_for(patience) == std::future_status::ready);
        done.get();
    }

    asio::io_context io;
    Acceptor acceptor;

  private:
    asio::executor_work_guard<asio::io_context::executor_type> work_{io.get_executor()};
    std::thread thread_;
};

template <class T>
T get(std::future<T>& f) {
    REQUIRE(f.wait_for(patience) == std::future_status::ready);
    return f.get();
}

// What the server side of one connection saw.
struct Report {
    bool handshake = false;
    std::size_t received = 0;
    std::size_t sent = 0;
    bool echoed_intact = false;
    int write_waits = 0;     // write() said to wait for the socket
    int partial_writes = 0;  // ... after taking some of the bytes
    int pending_reads = 0;   // read() filled the buffer and OpenSSL still held more
    std::string end;         // how the connection ended, as read() said
};

// The handshake as the session coroutine drives it (serve() in server/session.cpp): whether it
// succeeded.
Task<bool> tls_handshake(Socket& socket, TlsConnection& tls,
                         std::chrono::steady_clock::duration timeout) {
    TlsHandshake handshake{socket, tls, timeout};
    while (const auto wait = handshake.next()) {
        auto [ec] = co_await socket.async_wait(*wait, use_task_tuple);
        handshake.waited(ec);
    }
    co_return handshake.succeeded();
}

// One TLS connection on the loop, the way a session drives it: accepts, shakes hands, reads a
// message of `size` bytes, writes it back, sends close_notify and reads until the peer closes.
// `blocked`, if given, is set the first time a write has to wait for the socket.
Task<Report> echo_once(Acceptor& acceptor, const TlsContext& context, std::size_t size,
                       std::chrono::milliseconds timeout = 5s,
                       std::promise<void>* blocked = nullptr, int sndbuf = 0) {
    Report report;
    Socket socket = co_await acceptor.async_accept(use_task);
    if (sndbuf > 0) {
        socket.set_option(asio::socket_base::send_buffer_size(sndbuf));
    }
    TlsConnection tls(context, socket.native_handle());
    report.handshake = co_await tls_handshake(socket, tls, timeout);
    if (!report.handshake) {
        co_return report;
    }

    // Reading: a buffer smaller than a TLS record, so OpenSSL keeps the rest of a record and
    // pending() must be heeded before waiting for the socket again.
    std::string message;
    char buf[1000];
    while (message.size() < size) {
        TlsResult r = tls.read(buf, std::min(sizeof buf, size - message.size()));
        message.append(buf, r.bytes);
        if (message.size() == size) {
            break;
        }
        if (r.status == Status::done) {
            if (tls.pending()) {
                ++report.pending_reads;
                continue;
            }
            r.status = Status::want_read;
        }
        if (r.waits()) {
            co_await socket.async_wait(
                r.status == Status::want_read ? Socket::wait_read : Socket::wait_write,
                use_task_tuple);
            continue;
        }
        report.end = r.reason;
        co_return report;
    }
    report.received = message.size();

    // Writing back: after a wait the rest is retried from a copy, as a session's writer does
    // with what the socket did not take (OpenSSL accepts the moved buffer).
    std::string moved;
    std::string_view rest = message;
    while (!rest.empty()) {
        TlsResult r = tls.write(rest.data(), rest.size());
        report.sent += r.bytes;
        rest.remove_prefix(r.bytes);
        if (r.ok()) {
            break;
        }
        if (!r.waits()) {
            report.end = r.reason;
            co_return report;
        }
        ++report.write_waits;
        if (r.bytes > 0) {
            ++report.partial_writes;
        }
        if (report.write_waits == 1) {
            moved.assign(rest);
            rest = moved;
            if (blocked != nullptr) {
                blocked->set_value();
            }
        }
        co_await socket.async_wait(
            r.status == Status::want_write ? Socket::wait_write : Socket::wait_read,
            use_task_tuple);
    }
    report.echoed_intact = report.sent == size;

    // Our close_notify, then the peer's.
    for (TlsResult r = tls.shutdown(); r.waits(); r = tls.shutdown()) {
        co_await socket.async_wait(Socket::wait_write, use_task_tuple);
    }
    for (;;) {
        TlsResult r = tls.read(buf, sizeof buf);
        if (r.status == Status::closed || r.status == Status::error) {
            report.end = r.reason;
            co_return report;
        }
        if (r.status == Status::done && tls.pending()) {
            continue;
        }
        co_await socket.async_wait(
            r.status == Status::want_write ? Socket::wait_write : Socket::wait_read,
            use_task_tuple);
    }
}

// A connection that only shakes hands: whether it did.
Task<bool> handshake_once(Acceptor& acceptor, const TlsContext& context,
                          std::chrono::milliseconds timeout) {
    Socket socket = co_await acceptor.async_accept(use_task);
    TlsConnection tls(context, socket.native_handle());
    co_return co_await tls_handshake(socket, tls, timeout);
}

// --- the client side: blocking sockets and plain OpenSSL ----------------------------------------

// A blocking TCP connection to the loopback port, with timeouts so that a broken server fails
// the test rather than hangs it.
class PlainClient {
  public:
    explicit PlainClient(unsigned short port, int rcvbuf = 0) {
        // The client writes with write(2); a server that has closed must not end the test.
        static const bool sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);
        (void)sigpipe_ignored;
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd_ >= 0);
        if (rcvbuf > 0) {
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        }
        timeval tv{std::chrono::duration_cast<std::chrono::seconds>(patience).count(), 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~PlainClient() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    PlainClient(const PlainClient&) = delete;
    PlainClient& operator=(const PlainClient&) = delete;

    int fd() const { return fd_; }
    // Closes with a reset (RST) rather than an orderly FIN.
    void reset() {
        linger hard{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        ::close(fd_);
        fd_ = -1;
    }
    void send(std::string_view bytes) {
        REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(bytes.size()));
    }
    // Whether the server closes the connection (EOF or reset) within the patience, whatever
    // it sends first.
    bool closed_by_server() {
        char buf[4096];
        for (;;) {
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n == 0 || (n < 0 && errno == ECONNRESET)) {
                return true;
            }
            if (n < 0) {
                return false;  // the timeout
            }
        }
    }

  private:
    int fd_ = -1;
};

class TlsClient {
  public:
    struct Options {
        int max_version = 0;  // 0: OpenSSL's default
        int rcvbuf = 0;
    };

    explicit TlsClient(unsigned short port) : TlsClient(port, Options{}) {}
    TlsClient(unsigned short port, Options options) : tcp_(port, options.rcvbuf) {
        ctx_ = SSL_CTX_new(TLS_client_method());
        REQUIRE(ctx_ != nullptr);
        if (options.max_version != 0) {
            // Old protocols need OpenSSL's lowest security level to be offered at all.
            SSL_CTX_set_min_proto_version(ctx_, options.max_version);
            SSL_CTX_set_max_proto_version(ctx_, options.max_version);
            SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
        }
        ssl_ = SSL_new(ctx_);
        REQUIRE(ssl_ != nullptr);
        SSL_set_fd(ssl_, tcp_.fd());
    }
    ~TlsClient() {
        SSL_free(ssl_);
        SSL_CTX_free(ctx_);
    }
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    bool handshake() {
        ERR_clear_error();
        if (SSL_connect(ssl_) == 1) {
            return true;
        }
        char buf[256];
        ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
        error = buf;
        ERR_clear_error();
        return false;
    }

    void write_all(std::string_view data) {
        while (!data.empty()) {
            std::size_t n = 0;
            REQUIRE(SSL_write_ex(ssl_, data.data(), data.size(), &n) == 1);
            data.remove_prefix(n);
        }
    }

    std::string read_exactly(std::size_t size) {
        std::string out(size, '\0');
        std::size_t have = 0;
        while (have < size) {
            std::size_t n = 0;
            if (SSL_read_ex(ssl_, out.data() + have, size - have, &n) != 1) {
                break;
            }
            have += n;
        }
        out.resize(have);
        return out;
    }

    // Reads the server's close_notify and answers with ours.
    bool close() {
        char c;
        std::size_t n = 0;
        const bool notified =
            SSL_read_ex(ssl_, &c, 1, &n) == 0 && SSL_get_error(ssl_, 0) == SSL_ERROR_ZERO_RETURN;
        SSL_shutdown(ssl_);
        ERR_clear_error();
        return notified;
    }

    // The common name in the certificate the server showed.
    std::string peer_name() {
        X509* cert = SSL_get1_peer_certificate(ssl_);
        REQUIRE(cert != nullptr);
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
        X509_free(cert);
        return cn;
    }

    std::string version() const { return SSL_get_version(ssl_); }
    // Goes away with a TCP reset, without a close_notify.
    void reset() { tcp_.reset(); }

    std::string error;

  private:
    PlainClient tcp_;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
};

std::string pattern(std::size_t size) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        s[i] = static_cast<char>((i * 7919 + i / 251) & 0xff);
    }
    return s;
}

std::size_t heap_in_use() {
    const struct mallinfo2 m = ::mallinfo2();
    return m.uordblks + m.hblkhd;
}

}  // namespace

TEST_CASE("tls: 1 MiB goes through each way, over partial writes and pending reads", "[tls]") {
    TempDir dir;
    const Credentials creds = make_credentials(dir, "localhost");
    TlsContext context = TlsContext::load(creds.cert, creds.key);
    Loop loop;
    constexpr std::size_t size = 1 << 20;
    std::promise<void> blocked;
    // Small socket buffers on both sides, and a client that reads only once the server has
    // had to wait: the server's writes must stop part way and go on later.
    auto server = loop.spawn(echo_once(loop.acceptor, context, size, 5s, &blocked, 16 * 1024));

    TlsClient client(loop.port(), {.max_version = 0, .rcvbuf = 16 * 1024});
    REQUIRE(client.handshake());
    CHECK(client.version() == "TLSv1.3");
    const std::string message = pattern(size);
    client.write_all(message);
    const bool server_blocked =
        blocked.get_future().wait_for(patience) == std::future_status::ready;
    if (!server_blocked) {
        const Report r = get(server);
        FAIL("the server never waited to write: received " << r.received << ", sent " << r.sent
                                                           << ", end '" << r.end << "'");
    }
    CHECK(client.read_exactly(size) == message);
    CHECK(client.close());

    const Report report = get(server);
    INFO("write waits " << report.write_waits << ", partial " << report.partial_writes);
    CHECK(report.handshake);
    CHECK(report.received == size);
    CHECK(report.echoed_intact);
    CHECK(report.pending_reads > 0);
    CHECK(report.write_waits > 0);
    CHECK(report.end == "connection closed");  // the client's close_notify
}

TEST_CASE("tls: a TLS 1.1 client is refused", "[tls]") {
    LogCapture log;
    TempDir dir;
    const Credentials creds = make_credentials(dir, "localhost");
    TlsContext context = TlsContext::load(creds.cert, creds.key);
    Loop loop;
    auto server = loop.spawn(handshake_once(loop.acceptor, context, 5s));

    TlsClient client(loop.port(), {.max_version = TLS1_1_VERSION, .rcvbuf = 0});
    CHECK_FALSE(client.handshake());
    INFO("client: " << client.error);
    CHECK_FALSE(get(server));
    CHECK(log.has("TLS handshake with 127.0.0.1:"));
    CHECK(log.has("failed: unsupported protocol"));
}

TEST_CASE("tls: a client that sends nothing is dropped at the handshake's deadline", "[tls]") {
    LogCapture log;
    TempDir dir;
    const Credentials creds = make_credentials(dir, "localhost");
    TlsContext context = TlsContext::load(creds.cert, creds.key);
    Loop loop;
    const auto start = std::chrono::steady_clock::now();
    auto server = loop.spawn(handshake_once(loop.acceptor, context, 200ms));

    PlainClient client(loop.port());
    CHECK_FALSE(get(server));
    CHECK(std::chrono::steady_clock::now() - start >= 200ms);
    CHECK(client.closed_by_server());
    CHECK(log.has("timed out after 0.2 s"));
}

TEST_CASE("tls: a peer that resets fails the writes, and raises no SIGPIPE", "[tls]") {
    TempDir dir;
    const Credentials creds = make_credentials(dir, "localhost");
    TlsContext context = TlsContext::load(creds.cert, creds.key);
    Loop loop;
    struct Outcome {
        TlsResult write;
        TlsResult again;
    };
    auto serve = [&]() -> Task<Outcome> {
        Socket socket = co_await loop.acceptor.async_accept(use_task);
        TlsConnection tls(context, socket.native_handle());
        Outcome out;
        if (!co_await tls_handshake(socket, tls, 5s)) {
            co_return out;
        }
        co_await socket.async_wait(Socket::wait_read, use_task_tuple);  // the reset arrives
        // Take the socket's pending error, as a read would have: the next send then fails with
        // EPIPE, which raises SIGPIPE unless the send says otherwise.
        int error = 0;
        socklen_t len = sizeof error;
        ::getsockopt(socket.native_handle(), SOL_SOCKET, SO_ERROR, &error, &len);
        out.write = tls.write("hello", 5);
        out.again = tls.write("hello", 5);
        co_return out;
    };
    auto server = loop.spawn(serve());
    TlsClient client(loop.port());
    REQUIRE(client.handshake());
    {
        // SIGPIPE's default action for the rest of the test: were the server to raise it, the
        // test process would end here.
        struct DefaultSigpipe {
            void (*previous)(int) = std::signal(SIGPIPE, SIG_DFL);
            ~DefaultSigpipe() { std::signal(SIGPIPE, previous); }
        } sigpipe;
        client.reset();
        const Outcome out = get(server);
        CHECK(out.write.status == Status::error);
        CHECK(out.write.reason == "connection reset");
        CHECK(out.write.bytes == 0);
        CHECK(out.again.status == Status::error);  // the connection stays failed
        INFO("then: " << out.again.reason);
    }
}

TEST_CASE("tls: plain text to a TLS port fails the handshake cleanly", "[tls]") {
    LogCapture log;
    TempDir dir;
    const Credentials creds = make_credentials(dir, "localhost");
    TlsContext context = TlsContext::load(creds.cert, creds.key);
    Loop loop;

    SECTION("an IRC client that forgot TLS") {
        auto server = loop.spawn(handshake_once(loop.acceptor, context, 5s));
        PlainClient client(loop.port());
        client.send("NICK alice\r\nUSER alice 0 * :Alice\r\n");
        CHECK_FALSE(get(server));
        CHECK(client.closed_by_server());
    }
    SECTION("garbage bytes") {
        auto server = loop.spawn(handshake_once(loop.acceptor, context, 5s));
        PlainClient client(loop.port());
        client.send(std::string("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", 10));
        CHECK_FALSE(get(server));
        CHECK(client.closed_by_server());
    }
    SECTION("a client that goes away mid-handshake") {
        auto server = loop.spawn(handshake_once(loop.acceptor, context, 5s));
        {
            PlainClient client(loop.port());
            client.send(std::string("\x16\x03\x01\x02\x00\x01", 6));  // a ClientHello begun
        }
        CHECK_FALSE(get(server));
    }
    const std::vector<std::string> lines = log.lines();
    REQUIRE(lines.size() == 1);
    INFO(lines[0]);
    CHECK(lines[0].starts_with("TLS handshake with 127.0.0.1:"));
    CHECK(lines[0].find(" failed: ") != std::string::npos);
}

TEST_CASE("tls: a reload serves the new certificate to new connections only", "[tls]") {
    LogCapture log;
    TempDir dir;
    const Credentials first = make_credentials(dir, "first");
    const Credentials second = make_credentials(dir, "second");
    TlsContext context = TlsContext::load(first.cert, first.key);
    Loop loop;

    auto before = loop.spawn(echo_once(loop.acceptor, context, 5));
    TlsClient old_client(loop.port());
    REQUIRE(old_client.handshake());
    CHECK(old_client.peer_name() == "first");

    loop.run([&] { context.reload(second.cert, second.key); });
    auto after = loop.spawn(echo_once(loop.acceptor, context, 5));
    TlsClient new_client(loop.port());
    REQUIRE(new_client.handshake());
    CHECK(new_client.peer_name() == "second");

    // The connection made before the reload goes on with the context it was made with.
    old_client.write_all("hello");
    CHECK(old_client.read_exactly(5) == "hello");
    CHECK(old_client.close());
    CHECK(get(before).echoed_intact);
    new_client.write_all("world");
    CHECK(new_client.read_exactly(5) == "world");
    CHECK(new_client.close());
    CHECK(get(after).echoed_intact);

    // A failed reload leaves the context as it was.
    std::string error;
    loop.run([&] {
        try {
            context.reload(second.cert, first.key);
        } catch (const std::runtime_error& e) {
            error = e.what();
        }
    });
    CHECK(error.find("does not match") != std::string::npos);
    auto later = loop.spawn(handshake_once(loop.acceptor, context, 5s));
    TlsClient later_client(loop.port());
    REQUIRE(later_client.handshake());
    CHECK(later_client.peer_name() == "second");
    CHECK(get(later));
}

TEST_CASE("tls: unusable certificate or key files give one clear reason", "[tls]") {
    TempDir dir;
    const Credentials good = make_credentials(dir, "good");
    const Credentials other = make_credentials(dir, "other");
    const std::string encrypted = dir.file("encrypted.key");
    {
        Key key = make_key();
        write_key(encrypted, key.get(), "passphrase");
    }
    const std::string empty = dir.file("empty.pem");
    std::fclose(std::fopen(empty.c_str(), "w"));

    auto reason = [](const std::string& cert, const std::string& key) -> std::string {
        try {
            TlsContext::load(cert, key);
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return "loaded";
    };
    CHECK(reason(good.cert, good.key) == "loaded");
    CHECK(reason(dir.file("missing.crt"), good.key) ==
          fmt::format("cannot read the TLS certificate file {}: No such file or directory",
                      dir.file("missing.crt")));
    CHECK(reason(good.cert, dir.file("missing.key")) ==
          fmt::format("cannot read the TLS key file {}: No such file or directory",
                      dir.file("missing.key")));
    CHECK(reason(good.cert, other.key) ==
          fmt::format("the key {} does not match the certificate {}", other.key, good.cert));
    CHECK(reason(empty, good.key) == fmt::format("no PEM certificate in {}", empty));
    CHECK(reason(good.key, good.key) == fmt::format("no PEM certificate in {}", good.key));
    CHECK(reason(good.cert, good.cert) == fmt::format("no PEM private key in {}", good.cert));
    CHECK(reason(good.cert, encrypted) ==
          fmt::format("the key {} is encrypted; the server needs it without a passphrase",
                      encrypted));
}

// The memory an idle TLS connection holds, as the change in the heap in use when the server's
// TlsConnection objects of many idle connections are freed at once: the SSL object, its keys
// and session, and its BIOs, without the socket or the session around them.
TEST_CASE("tls: an idle connection holds at most 16 KiB", "[tls][memory]") {
#if defined(__SANITIZE_ADDRESS__)
    WARN("the sanitizers' allocator does not report the heap in use: not measured");
    return;
#endif
    TempDir dir;
    const Credentials creds = make_credentials(dir, "localhost");
    TlsContext context = TlsContext::load(creds.cert, creds.key);
    Loop loop;
    constexpr int count = 64;

    struct Held {
        Socket socket;
        std::optional<TlsConnection> tls;
    };
    std::vector<Held> held;
    held.reserve(count);
    auto accept_all = [&]() -> Task<bool> {
        for (int i = 0; i < count; ++i) {
            Socket socket = co_await loop.acceptor.async_accept(use_task);
            Held& h = held.emplace_back(Held{std::move(socket), std::nullopt});
            h.tls.emplace(context, h.socket.native_handle());
            if (!co_await tls_handshake(h.socket, *h.tls, 5s)) {
                co_return false;
            }
        }
        co_return true;
    };
    auto server = loop.spawn(accept_all());
    std::vector<std::unique_ptr<TlsClient>> clients;
    for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<TlsClient>(loop.port()));
        REQUIRE(clients.back()->handshake());
    }
    REQUIRE(get(server));

    auto held_per_connection = [&] {
        std::size_t before = 0, after = 0;
        loop.run([&] {
            before = heap_in_use();
            for (Held& h : held) {
                h.tls.reset();
            }
            after = heap_in_use();
        });
        return (before - after) / count;
    };

    SECTION("after the handshake") {
        const std::size_t bytes = held_per_connection();
        fmt::print("idle TLS connection after the handshake: {} bytes\n", bytes);
        CHECK(bytes > 1000);  // the measurement sees something
        CHECK(bytes <= 16 * 1024);
    }
    SECTION("after a line each way") {
        // Each connection reads a line and answers one, as a chatting client's would, and then
        // reads until it would block: the state of a session waiting for more.
        auto exchange = [&]() -> Task<bool> {
            for (Held& h : held) {
                char buf[64];
                std::size_t got = 0;
                for (;;) {
                    TlsResult r = h.tls->read(buf, sizeof buf);
                    got += r.bytes;
                    if (r.status == Status::want_read && got > 0) {
                        break;
                    }
                    if (r.status != Status::want_read) {
                        co_return false;
                    }
                    co_await h.socket.async_wait(Socket::wait_read, use_task_tuple);
                }
                if (!h.tls->write(buf, got).ok()) {
                    co_return false;
                }
            }
            co_return true;
        };
        for (auto& c : clients) {
            c->write_all("PRIVMSG #parley :hello\r\n");
        }
        auto exchanged = loop.spawn(exchange());
        REQUIRE(get(exchanged));
        for (auto& c : clients) {
            CHECK(c->read_exactly(24) == "PRIVMSG #parley :hello\r\n");
        }
        const std::size_t bytes = held_per_connection();
        fmt::print("idle TLS connection after a line each way: {} bytes\n", bytes);
        CHECK(bytes > 1000);
        CHECK(bytes <= 16 * 1024);
    }
    loop.run([&] { held.clear(); });  // sockets are closed on the loop's thread
}
