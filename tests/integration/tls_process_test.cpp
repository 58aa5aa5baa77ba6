// TLS listeners of the real parley-server, as operators run it: a throwaway self-signed
// certificate made here, `tls://` listeners of both protocols on port 0 (the ports read from
// the log), and a real OpenSSL client. Also SIGHUP, which re-reads the certificate and the
// MOTD without dropping anyone, and the errors of a TLS setup that cannot work.
// Every wait has a deadline: on a client's line or a line of the server's log.

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "shared/websocket/frame.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace parley::test;

namespace {

// --- certificates -------------------------------------------------------------------------------

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};

// Writes `text` to `path` as a renewal tool would: into a new file beside it, renamed over it.
void replace_file(const std::string& path, const std::function<void(std::FILE*)>& write) {
    const std::string tmp = path + ".new";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    REQUIRE(f != nullptr);
    write(f);
    REQUIRE(std::fclose(f) == 0);
    REQUIRE(std::rename(tmp.c_str(), path.c_str()) == 0);
}

void replace_text(const std::string& path, const std::string& text) {
    replace_file(path, [&](std::FILE* f) {
        REQUIRE(std::fwrite(text.data(), 1, text.size(), f) == text.size());
    });
}

// A P-256 key and a self-signed certificate for it, CN=`cn`, serial `serial`, valid for a day,
// written (as PEM) to `cert_file` and `key_file`.
void make_credentials(const std::string& cert_file, const std::string& key_file,
                      const std::string& cn, long serial) {
    std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
    REQUIRE(key);
    std::unique_ptr<X509, X509Free> cert(X509_new());
    REQUIRE(cert);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 60 * 60);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
    replace_file(cert_file, [&](std::FILE* f) { REQUIRE(PEM_write_X509(f, cert.get()) == 1); });
    replace_file(key_file, [&](std::FILE* f) {
        REQUIRE(PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
    });
}

// --- a TLS client -------------------------------------------------------------------------------

// OpenSSL's queued errors as one line, the queue emptied.
std::string openssl_errors() {
    std::string out;
    while (const unsigned long code = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        out += out.empty() ? "" : "; ";
        out += buf;
    }
    return out;
}

// A TLS client over a non-blocking socket, with deadlines on every wait; it does not verify
// the server's certificate (it is self-signed), it reports it. Lines as the harness's Client
// reads them.
// The protocol versions a client offers (TLS1_2_VERSION...); 0: OpenSSL's default.
struct TlsVersions {
    int min = 0;
    int max = 0;
};

class TlsClient {
  public:
    // Connects to 127.0.0.1:port and runs the handshake; failed() says whether it failed and
    // error() why.
    explicit TlsClient(unsigned short port, TlsVersions versions = {}) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        sockaddr_in local{};
        socklen_t len = sizeof local;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len) == 0);
        local_port_ = ntohs(local.sin_port);
        int flags = ::fcntl(fd_, F_GETFL);
        REQUIRE(::fcntl(fd_, F_SETFL, flags | O_NONBLOCK) == 0);

        ERR_clear_error();
        ctx_.reset(SSL_CTX_new(TLS_client_method()));
        REQUIRE(ctx_);
        SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_NONE, nullptr);
        if (versions.min != 0 && versions.min < TLS1_2_VERSION) {
            // OpenSSL 3 will not offer TLS 1.1 or older at Debian's default security level
            // (nor their SHA-1 signatures): lowered, so that the refusal is the server's.
            SSL_CTX_set_security_level(ctx_.get(), 0);
            REQUIRE(SSL_CTX_set_cipher_list(ctx_.get(), "DEFAULT:@SECLEVEL=0") == 1);
        }
        if (versions.min != 0) {
            REQUIRE(SSL_CTX_set_min_proto_version(ctx_.get(), versions.min) == 1);
        }
        if (versions.max != 0) {
            REQUIRE(SSL_CTX_set_max_proto_version(ctx_.get(), versions.max) == 1);
        }
        ssl_.reset(SSL_new(ctx_.get()));
        REQUIRE(ssl_);
        REQUIRE(SSL_set_fd(ssl_.get(), fd_) == 1);
        SSL_set_connect_state(ssl_.get());
        handshake();
    }

    ~TlsClient() {
        if (ssl_ && !failed() && !eof_) {
            SSL_shutdown(ssl_.get());  // close_notify, best effort
        }
        ssl_.reset();
        ::close(fd_);
    }
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }
    unsigned short local_port() const { return local_port_; }
    std::string version() const { return SSL_get_version(ssl_.get()); }

    // The server certificate's subject ("/CN=parley-one") and serial number.
    std::string peer_subject() const {
        const X509* cert = SSL_get0_peer_certificate(ssl_.get());
        REQUIRE(cert != nullptr);
        char buf[256];
        X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
        return buf;
    }
    long peer_serial() const {
        const X509* cert = SSL_get0_peer_certificate(ssl_.get());
        REQUIRE(cert != nullptr);
        return ASN1_INTEGER_get(X509_get0_serialNumber(cert));
    }

    void send(std::string_view bytes) {
        REQUIRE_FALSE(failed());
        const auto deadline = std::chrono::steady_clock::now() + patience;
        while (!bytes.empty()) {
            ERR_clear_error();
            std::size_t put = 0;
            const int r = SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &put);
            if (r == 1) {
                bytes.remove_prefix(put);
                continue;
            }
            const int e = SSL_get_error(ssl_.get(), r);
            if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
                !wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
                FAIL("TLS write failed: " << openssl_errors());
            }
        }
    }
    void say(std::string_view line) { send(std::string(line) + "\n"); }

    // The next line without its CRLF, or nothing if the connection closed or the deadline
    // passed.
    std::optional<std::string> line(Duration timeout = patience) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const std::size_t nl = buffer_.find('\n');
            if (nl != std::string::npos) {
                std::string out = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                if (!out.empty() && out.back() == '\r') {
                    out.pop_back();
                }
                seen_.push_back(out);
                return out;
            }
            if (!fill(deadline)) {
                return std::nullopt;
            }
        }
    }

    // Reads lines until one satisfies `pred` and returns it; fails the test with the lines
    // seen if none does in time.
    std::string expect(const std::function<bool(std::string_view)>& pred,
                       Duration timeout = patience) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        const std::size_t first = seen_.size();
        for (;;) {
            const auto left =
                std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
            auto l = line(std::max(left, Duration(0)));
            if (!l) {
                std::string msg = eof_ ? "connection closed" : "timed out";
                msg += " waiting for a line; saw:";
                for (std::size_t i = first; i < seen_.size(); ++i) {
                    msg += "\n  " + seen_[i];
                }
                FAIL(msg);
            }
            if (pred(*l)) {
                return *l;
            }
        }
    }
    std::string expect_line(std::string_view text) {
        return expect([text](std::string_view l) { return l == text; });
    }
    std::string expect_prefix(std::string_view prefix) {
        return expect([prefix](std::string_view l) { return l.starts_with(prefix); });
    }
    bool has_seen(std::string_view text) const {
        return std::find(seen_.begin(), seen_.end(), text) != seen_.end();
    }

  private:
    void handshake() {
        const auto deadline = std::chrono::steady_clock::now() + patience;
        for (;;) {
            ERR_clear_error();
            const int r = SSL_connect(ssl_.get());
            if (r == 1) {
                return;
            }
            const int e = SSL_get_error(ssl_.get(), r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                if (wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
                    continue;
                }
                error_ = "timed out";
                return;
            }
            error_ = openssl_errors();
            if (error_.empty()) {
                error_ = e == SSL_ERROR_SYSCALL ? "the connection closed" : "handshake failed";
            }
            return;
        }
    }

    bool wait(short events, std::chrono::steady_clock::time_point deadline) {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return false;
            }
            pollfd p{fd_, events, 0};
            const int r = ::poll(&p, 1, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR) {
                continue;
            }
            return r > 0;
        }
    }

    bool fill(std::chrono::steady_clock::time_point deadline) {
        if (eof_ || failed()) {
            return false;
        }
        for (;;) {
            char buf[16384];
            std::size_t got = 0;
            ERR_clear_error();
            const int r = SSL_read_ex(ssl_.get(), buf, sizeof buf, &got);
            if (r == 1) {
                buffer_.append(buf, got);
                return true;
            }
            const int e = SSL_get_error(ssl_.get(), r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                if (!wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
                    return false;
                }
                continue;
            }
            ERR_clear_error();
            eof_ = true;  // close_notify, EOF or an error: the connection is over
            return false;
        }
    }

    struct CtxFree {
        void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
    };
    struct SslFree {
        void operator()(SSL* s) const { SSL_free(s); }
    };
    int fd_ = -1;
    unsigned short local_port_ = 0;
    std::unique_ptr<SSL_CTX, CtxFree> ctx_;
    std::unique_ptr<SSL, SslFree> ssl_;
    std::string error_;
    std::string buffer_;
    std::vector<std::string> seen_;
    bool eof_ = false;
};

// --- the server ---------------------------------------------------------------------------------

// A directory with a certificate and key (CN=parley-one, serial 1) for the server.
struct Setup {
    TempDir dir;
    std::string cert = dir.file("server.crt");
    std::string key = dir.file("server.key");
    Setup() { make_credentials(cert, key, "parley-one", 1); }
};

const std::string welcome =
    "--- Welcome to Parley! Type a line and press Enter to chat; /help lists the commands.";

// A line that is the numeric `code` from the server named test.parley to `nick`.
std::function<bool(std::string_view)> numeric(std::string_view code, std::string_view nick) {
    return [prefix = ":test.parley " + std::string(code) + " " + std::string(nick) +
                     " "](std::string_view l) { return l.starts_with(prefix); };
}

// Registers on IRC as `nick` and reads up to the end of the MOTD (or its absence).
template <class C>
void register_irc(C& irc, const std::string& nick) {
    irc.send("NICK " + nick + "\r\nUSER " + nick + " 0 * :" + nick + "\r\n");
    irc.expect(numeric("001", nick));
    irc.expect(
        [&](std::string_view l) { return numeric("376", nick)(l) || numeric("422", nick)(l); });
}

// Sets a plain-protocol client's nickname.
void set_nick(TlsClient& c, const std::string& nick) {
    c.expect_prefix("--- Members of #lobby");
    c.say("/nick " + nick);
    c.expect([](std::string_view l) { return l.find(" is now known as ") != l.npos; });
}

std::string escaped(const std::string& text) {
    return std::regex_replace(text, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
}

}  // namespace

TEST_CASE("TLS listeners: the plain protocol and IRC, with nc users in the same room", "[tls]") {
    Setup setup;
    Process server({"--listen", "tls://127.0.0.1:0", "--listen", "127.0.0.1:0", "--irc-listen",
                    "tls://127.0.0.1:0", "--tls-cert", setup.cert, "--tls-key", setup.key,
                    "--server-name", "test.parley"});
    const auto listening = wait_listening(server, 3);
    const unsigned short tls_port = port_of(listening, "plain, tls");
    const unsigned short plain_port = port_of(listening, "plain");
    const unsigned short irc_port = port_of(listening, "irc, tls");

    TlsClient alice(tls_port);
    REQUIRE_FALSE(alice.failed());
    CHECK(alice.version() == "TLSv1.3");
    CHECK(alice.peer_subject() == "/CN=parley-one");
    alice.expect_line(welcome);
    set_nick(alice, "alice");

    auto bob = Client::join(plain_port, "bob");

    TlsClient carol(irc_port);
    REQUIRE_FALSE(carol.failed());
    register_irc(carol, "carol");
    carol.send("JOIN #lobby\r\n");
    carol.expect(numeric("366", "carol"));

    alice.say("hello over TLS");
    bob->expect_line("#lobby <alice> hello over TLS");
    carol.expect([](std::string_view l) {
        return l.starts_with(":alice!") && l.ends_with(" PRIVMSG #lobby :hello over TLS");
    });
    bob->say("hi alice");
    alice.expect_line("#lobby <bob> hi alice");
    carol.send("PRIVMSG #lobby :hello from IRC over TLS\r\n");
    alice.expect_line("#lobby <carol> hello from IRC over TLS");
    bob->expect_line("#lobby <carol> hello from IRC over TLS");

    server.signal(SIGTERM);
    alice.expect_line("-!- Server is shutting down. Goodbye.");
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("TLS 1.2 is accepted and TLS 1.1 refused", "[tls]") {
    Setup setup;
    Process server(
        {"--listen", "tls://127.0.0.1:0", "--tls-cert", setup.cert, "--tls-key", setup.key});
    const unsigned short port = port_of(wait_listening(server, 1), "plain, tls");

    TlsClient tls12(port, {TLS1_2_VERSION, TLS1_2_VERSION});
    REQUIRE_FALSE(tls12.failed());
    CHECK(tls12.version() == "TLSv1.2");
    tls12.expect_line(welcome);

    TlsClient tls11(port, {TLS1_1_VERSION, TLS1_1_VERSION});
    CHECK(tls11.failed());
    CHECK(tls11.error().find("protocol") != std::string::npos);
    // The refusal is the server's, after it read the client's hello.
    const auto m = server.wait_for(
        std::regex("TLS handshake with 127\\.0\\.0\\.1:" + std::to_string(tls11.local_port()) +
                   " failed: (.+)"));
    CHECK(m[1] == "unsupported protocol");

    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("a plain-text client on a TLS port: closed, and one clear line in the log", "[tls]") {
    Setup setup;
    Process server(
        {"--listen", "tls://127.0.0.1:0", "--tls-cert", setup.cert, "--tls-key", setup.key});
    const unsigned short port = port_of(wait_listening(server, 1), "plain, tls");

    Client plain(port);
    sockaddr_in local{};
    socklen_t len = sizeof local;
    REQUIRE(::getsockname(plain.fd(), reinterpret_cast<sockaddr*>(&local), &len) == 0);
    const std::string peer = "127.0.0.1:" + std::to_string(ntohs(local.sin_port));
    plain.say("hello? /nick plaintext");
    CHECK(plain.closed_within());
    CHECK(plain.seen().empty());  // not a line of the chat: no greeting in clear text

    const auto m =
        server.wait_for(std::regex("TLS handshake with " + escaped(peer) + " failed: (.+)$"));
    CHECK_FALSE(m[1].str().empty());
    // The server goes on: a TLS client after it is served, and by then everything about the
    // plain one has been logged (one thread logs in order): that one line only.
    TlsClient after(port);
    REQUIRE_FALSE(after.failed());
    after.expect_line(welcome);
    server.wait_for(std::regex(R"(open 127\.0\.0\.1:\d+ as guest\d+)"));
    CHECK(server.count_lines(peer) == 1);

    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("SIGHUP: a renewed certificate for new connections, the old ones go on", "[tls]") {
    Setup setup;
    Process server(
        {"--listen", "tls://127.0.0.1:0", "--tls-cert", setup.cert, "--tls-key", setup.key});
    const unsigned short port = port_of(wait_listening(server, 1), "plain, tls");

    TlsClient old(port);
    REQUIRE_FALSE(old.failed());
    CHECK(old.peer_subject() == "/CN=parley-one");
    CHECK(old.peer_serial() == 1);
    set_nick(old, "old");

    make_credentials(setup.cert, setup.key, "parley-two", 2);
    server.signal(SIGHUP);
    server.wait_for(std::regex("reloaded the TLS certificate from " + escaped(setup.cert)));

    TlsClient fresh(port);
    REQUIRE_FALSE(fresh.failed());
    CHECK(fresh.peer_subject() == "/CN=parley-two");
    CHECK(fresh.peer_serial() == 2);
    set_nick(fresh, "fresh");
    // The connection made before the reload reads and writes as before.
    old.say("made before the renewal");
    fresh.expect_line("#lobby <old> made before the renewal");
    fresh.say("made after it");
    old.expect_line("#lobby <fresh> made after it");

    // A renewal that cannot be read is logged, and the certificate in force stays.
    replace_text(setup.cert, "not a certificate\n");
    server.signal(SIGHUP);
    const auto m = server.wait_for(std::regex("TLS certificate not reloaded: (.+)$"));
    CHECK(m[1] == "no PEM certificate in " + setup.cert);
    TlsClient third(port);
    REQUIRE_FALSE(third.failed());
    CHECK(third.peer_serial() == 2);
    third.expect_line(welcome);

    CHECK(server.count_lines("close ") == 0);
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("SIGHUP: a changed MOTD for new clients, nobody disconnected", "[tls]") {
    Setup setup;
    const std::string motd = setup.dir.file("motd.txt");
    replace_text(motd, "the first message of the day\n");
    Process server({"--listen", "127.0.0.1:0", "--listen", "tls://127.0.0.1:0", "--irc-listen",
                    "tls://127.0.0.1:0", "--tls-cert", setup.cert, "--tls-key", setup.key, "--motd",
                    motd, "--server-name", "test.parley"});
    const auto listening = wait_listening(server, 3);
    const unsigned short plain_port = port_of(listening, "plain");
    const unsigned short tls_port = port_of(listening, "plain, tls");
    const unsigned short irc_port = port_of(listening, "irc, tls");

    auto alice = Client::join(plain_port, "alice");
    CHECK(alice->has_seen("--- the first message of the day"));
    TlsClient bob(tls_port);
    REQUIRE_FALSE(bob.failed());
    bob.expect_line("--- the first message of the day");
    set_nick(bob, "bob");
    TlsClient carol(irc_port);
    REQUIRE_FALSE(carol.failed());
    register_irc(carol, "carol");
    CHECK(carol.has_seen(":test.parley 372 carol :- the first message of the day"));

    replace_text(motd, "the second message of the day\nin two lines\n");
    server.signal(SIGHUP);
    server.wait_for(std::regex("reloaded the MOTD from " + escaped(motd) + " \\(2 lines\\)"));

    auto dave = Client::join(plain_port, "dave");
    CHECK(dave->has_seen("--- the second message of the day"));
    CHECK(dave->has_seen("--- in two lines"));
    CHECK_FALSE(dave->has_seen("--- the first message of the day"));
    carol.send("MOTD\r\n");
    carol.expect_line(":test.parley 372 carol :- the second message of the day");
    carol.expect_line(":test.parley 372 carol :- in two lines");

    // Those connected before the reload are still there, both ways.
    alice->say("still here");
    bob.expect_line("#lobby <alice> still here");
    dave->expect_line("#lobby <alice> still here");
    bob.say("me too");
    alice->expect_line("#lobby <bob> me too");

    // A MOTD that cannot be used is logged, and the one in force stays.
    replace_text(motd, "\x1b[31mred\n");
    server.signal(SIGHUP);
    const auto m = server.wait_for(std::regex("MOTD not reloaded: (.+)$"));
    CHECK(m[1] == "--motd " + motd + ": line 1 is not clean UTF-8 text");
    auto erin = Client::join(plain_port, "erin");
    CHECK(erin->has_seen("--- the second message of the day"));

    CHECK(server.count_lines("close ") == 0);
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("TLS setups that cannot work are one clear line and a non-zero exit", "[tls]") {
    Setup setup;
    const std::string other_cert = setup.dir.file("other.crt");
    const std::string other_key = setup.dir.file("other.key");
    make_credentials(other_cert, other_key, "other", 7);
    const std::string missing = setup.dir.file("missing.key");

    struct Case {
        std::vector<std::string> args;
        std::string message;  // the whole line, after "parley-server: "
    };
    const std::vector<Case> cases{
        {{"--listen", "tls://127.0.0.1:0"}, "tls://127.0.0.1:0 needs --tls-cert and --tls-key"},
        {{"--listen", "127.0.0.1:0", "--irc-listen", "tls://127.0.0.1:0"},
         "tls://127.0.0.1:0 needs --tls-cert and --tls-key"},
        {{"--listen", "tls://127.0.0.1:0", "--tls-cert", setup.cert, "--tls-key", missing},
         "cannot read the TLS key file " + missing + ": No such file or directory"},
        {{"--listen", "tls://127.0.0.1:0", "--tls-cert", missing, "--tls-key", setup.key},
         "cannot read the TLS certificate file " + missing + ": No such file or directory"},
        {{"--listen", "tls://127.0.0.1:0", "--tls-cert", setup.cert, "--tls-key", other_key},
         "the key " + other_key + " does not match the certificate " + setup.cert},
        {{"--listen", "tls://127.0.0.1:0", "--tls-cert", setup.cert, "--tls-key", setup.cert},
         "no PEM private key in " + setup.cert},
    };
    for (const Case& c : cases) {
        Process p(c.args);
        const int code = p.wait_exit();
        INFO(p.output());
        CHECK(code > 0);
        CHECK(p.output() == "parley-server: " + c.message + "\n");
    }
}

// One of the pair without the other: the message should name the flag that is missing, not
// an unnamed file ("cannot read the TLS key file : No such file or directory").
TEST_CASE("a TLS certificate without its key, or the reverse, names the missing flag", "[tls]") {
    Setup setup;
    for (const auto& [given, value, missing] : {std::tuple{"--tls-cert", setup.cert, "--tls-key"},
                                                std::tuple{"--tls-key", setup.key, "--tls-cert"}}) {
        Process p({"--listen", "tls://127.0.0.1:0", given, value});
        const int code = p.wait_exit();
        const std::string out = p.output();
        CHECK(code > 0);
        CHECK(out.rfind("parley-server: ", 0) == 0);
        CHECK(std::count(out.begin(), out.end(), '\n') == 1);
        CHECK(out.find(missing) != std::string::npos);
    }
}

TEST_CASE("tls:// on --http-listen: the page over HTTPS, a browser's WebSocket over TLS",
          "[tls][web]") {
    Setup setup;
    Process server({"--listen", "127.0.0.1:0", "--http-listen", "tls://127.0.0.1:0", "--tls-cert",
                    setup.cert, "--tls-key", setup.key});
    const auto listening = wait_listening(server, 2);
    const unsigned short web_port = port_of(listening, "web, tls");
    auto bob = Client::join(port_of(listening, "plain"), "bob");

    TlsClient page(web_port);
    REQUIRE_FALSE(page.failed());
    page.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    page.expect_line("HTTP/1.1 200 OK");
    page.expect_line("Content-Type: text/html; charset=utf-8");

    TlsClient browser(web_port);
    REQUIRE_FALSE(browser.failed());
    browser.send(
        "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n");
    browser.expect_line("HTTP/1.1 101 Switching Protocols");
    browser.expect_line("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    // The session took the connection's TLS over from the HTTP session: what the browser
    // says reaches the room.
    bob->expect_line("-!- guest2 joined #lobby");
    browser.send(parley::ws::masked_frame(parley::ws::Opcode::text,
                                          R"({"type":"say","room":"#lobby","text":"over TLS"})",
                                          {9, 8, 7, 6}));
    bob->expect_line("#lobby <guest2> over TLS");

    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}
