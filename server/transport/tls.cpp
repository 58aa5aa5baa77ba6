#include "server/transport/tls.hpp"

#include <sys/socket.h>
#include <sys/types.h>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "server/endpoint.hpp"

namespace parley {

namespace {

using Status = TlsResult::Status;

// The suites offered, in the server's order (SSL_OP_CIPHER_SERVER_PREFERENCE): forward secrecy
// and an AEAD only, as servers are advised to offer today, and ChaCha20-Poly1305 first, then
// AES-128-GCM, then AES-256-GCM. Why ChaCha20 first, against OpenSSL's own AES-256 first:
// - memory: an idle client is mostly OpenSSL's state, and ChaCha20-Poly1305's is the smallest;
//   an idle TLS 1.3 client costs about 0.2 KB less than with AES-128-GCM and 0.45 KB less than
//   with AES-256-GCM (load/tls_idle.py), which keeps it under 16 KiB;
// - speed at chat's sizes: records of a few hundred bytes go 3 to 4 times faster with ChaCha20
//   than with AES-GCM on an AES-NI machine (`openssl speed -evp ... -bytes 256`); AES-GCM only
//   wins from about 16 KB, a size chat lines never reach.
// All three are what RFC 8446 and today's guides allow; a client that offers none of one gets
// another.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";
constexpr const char* tls13_suites =
    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384";

// The first error in this thread's OpenSSL error queue (the cause; later ones tend to be the
// callers saying they failed too), and the queue emptied: a stale error left there would be
// taken for the cause of the next operation's failure.
struct OpenSslError {
    unsigned long code = 0;
    std::string reason;
};

OpenSslError take_error() {
    OpenSslError e;
    e.code = ERR_get_error();
    if (e.code != 0) {
        if (const char* reason = ERR_reason_error_string(e.code)) {
            e.reason = reason;  // "wrong version number", without the library and code
        } else {
            char buf[256];
            ERR_error_string_n(e.code, buf, sizeof buf);
            e.reason = buf;
        }
    }
    ERR_clear_error();
    return e;
}

std::string reason_or(std::string reason, const char* fallback) {
    return reason.empty() ? std::string(fallback) : reason;
}

// The file's contents (its first 256 KiB: certificates and keys take a few), or one line saying
// why it cannot be read: OpenSSL's own message for a missing file names neither the file nor
// what was wrong with it.
std::string read_file(const std::string& path, const char* what) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) {
        throw std::runtime_error(
            fmt::format("cannot read the TLS {} file {}: {}", what, path, std::strerror(errno)));
    }
    std::string text(256 * 1024, '\0');
    text.resize(std::fread(text.data(), 1, text.size(), f));
    const bool failed = std::ferror(f) != 0;
    const int error = errno;
    std::fclose(f);
    if (failed) {
        throw std::runtime_error(
            fmt::format("cannot read the TLS {} file {}: {}", what, path, std::strerror(error)));
    }
    return text;
}

// What OpenSSL 3's decoders report for a key file holding no key, or an encrypted one, is
// "unsupported" or "bad decrypt": the PEM labels say it better.
void check_key_text(const std::string& text, const std::string& key_file) {
    if (text.find("PRIVATE KEY-----") == std::string::npos) {
        throw std::runtime_error(fmt::format("no PEM private key in {}", key_file));
    }
    if (text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos ||
        text.find("Proc-Type: 4,ENCRYPTED") != std::string::npos) {
        throw std::runtime_error(fmt::format(
            "the key {} is encrypted; the server needs it without a passphrase", key_file));
    }
}

// No passphrase prompt: a key that needs one fails to load, with a message, instead of the
// server waiting on its terminal.
int no_passphrase(char*, int, int, void*) {
    return 0;
}

// --- the connection's BIO ---------------------------------------------------------------------
// One BIO of Parley's own carries both directions over the session's socket. Why not OpenSSL's
// socket BIO: it writes with write(2), which raises SIGPIPE when the peer has gone and so would
// end the server; this one sends with MSG_NOSIGNAL as Asio does. Why one and not a socket BIO
// for reading beside it: every BIO costs an idle connection a few hundred bytes (the object, its
// lock, its ex_data), and an idle TLS client must stay under 16 KiB. The BIO holds the
// descriptor, which it does not own.

int bio_fd(BIO* bio) {
    return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
}

// Read and write alike: n >= 0 bytes moved (0 on read is the peer's EOF), or -1 with the retry
// flag set when the socket would block, so that SSL_get_error says WANT_READ or WANT_WRITE; any
// other errno is left for SSL_ERROR_SYSCALL to report.
template <typename Op>
int socket_call(BIO* bio, int retry_flag, Op op) {
    BIO_clear_retry_flags(bio);
    for (;;) {
        const ssize_t n = op(bio_fd(bio));
        if (n >= 0) {
            return static_cast<int>(n);
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            BIO_set_flags(bio, retry_flag | BIO_FLAGS_SHOULD_RETRY);
        }
        return -1;
    }
}

int socket_write(BIO* bio, const char* data, int len) {
    return socket_call(bio, BIO_FLAGS_WRITE, [&](int fd) {
        return ::send(fd, data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
    });
}

int socket_read(BIO* bio, char* data, int len) {
    const int n = socket_call(bio, BIO_FLAGS_READ, [&](int fd) {
        return ::recv(fd, data, static_cast<std::size_t>(len), 0);
    });
    if (n == 0 && len > 0) {
        BIO_set_flags(bio, BIO_FLAGS_IN_EOF);  // so OpenSSL tells an EOF from an error, as with
                                               // its socket BIO
    }
    return n;
}

long socket_ctrl(BIO* bio, int cmd, long, void*) {
    switch (cmd) {
        case BIO_CTRL_FLUSH:
            return 1;  // nothing is buffered here
        case BIO_CTRL_EOF:
            return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
        default:
            return 0;
    }
}

const BIO_METHOD* socket_method() {
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "parley socket");
        if (m == nullptr || BIO_meth_set_write(m, socket_write) != 1 ||
            BIO_meth_set_read(m, socket_read) != 1 || BIO_meth_set_ctrl(m, socket_ctrl) != 1) {
            throw std::runtime_error("cannot set up OpenSSL's socket BIO");
        }
        return m;
    }();
    return method;
}

// --- contexts ---------------------------------------------------------------------------------

SSL_CTX* new_context(const std::string& cert_file, const std::string& key_file) {
    read_file(cert_file, "certificate");
    {
        std::string key_text = read_file(key_file, "key");
        struct Wipe {  // no copy of the key is left behind in freed memory
            std::string& text;
            ~Wipe() { OPENSSL_cleanse(text.data(), text.size()); }
        } wipe{key_text};
        check_key_text(key_text, key_file);
    }
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) {
        throw std::runtime_error(fmt::format("cannot create a TLS context: {}",
                                             reason_or(take_error().reason, "out of memory")));
    }
    // From here on a failure must free ctx.
    try {
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_options(
            ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
        if (SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1 ||
            SSL_CTX_set_ciphersuites(ctx, tls13_suites) != 1) {
            throw std::runtime_error(
                fmt::format("cannot set the TLS ciphers: {}", take_error().reason));
        }
        // RELEASE_BUFFERS: the 16 KiB read and write record buffers exist only while a record
        // is in them. PARTIAL_WRITE: a write returns as each record goes out, so a slow peer
        // blocks no more than one record. MOVING_WRITE_BUFFER: the session retries a write
        // from wherever the rest of its bytes are then.
        SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        // Resumption by session tickets only, which the client keeps: a server-side cache
        // would hold a session for every recent client, whether it comes back or not.
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);

        if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
            const OpenSslError e = take_error();
            throw std::runtime_error(
                ERR_GET_REASON(e.code) == PEM_R_NO_START_LINE
                    ? fmt::format("no PEM certificate in {}", cert_file)
                    : fmt::format("cannot load the certificate {}: {}", cert_file, e.reason));
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
            const OpenSslError e = take_error();
            if (ERR_GET_LIB(e.code) == ERR_LIB_X509 &&
                ERR_GET_REASON(e.code) == X509_R_KEY_VALUES_MISMATCH) {
                throw std::runtime_error(fmt::format("the key {} does not match the certificate {}",
                                                     key_file, cert_file));
            }
            throw std::runtime_error(
                fmt::format("cannot load the private key {}: {}", key_file, e.reason));
        }
        // A key of another type than the certificate's loads without complaint; this catches it.
        if (SSL_CTX_check_private_key(ctx) != 1) {
            take_error();
            throw std::runtime_error(
                fmt::format("the key {} does not match the certificate {}", key_file, cert_file));
        }
    } catch (...) {
        SSL_CTX_free(ctx);
        throw;
    }
    return ctx;
}

}  // namespace

void TlsContext::Free::operator()(ssl_ctx_st* ctx) const noexcept {
    SSL_CTX_free(ctx);
}

TlsContext TlsContext::load(const std::string& cert_file, const std::string& key_file) {
    return TlsContext(std::unique_ptr<ssl_ctx_st, Free>(new_context(cert_file, key_file)));
}

void TlsContext::reload(const std::string& cert_file, const std::string& key_file) {
    ctx_.reset(new_context(cert_file, key_file));  // the old one goes only once this succeeded
}

// --- connections ------------------------------------------------------------------------------

void TlsConnection::Free::operator()(ssl_st* ssl) const noexcept {
    SSL_free(ssl);  // and the BIOs with it
}

TlsConnection::TlsConnection(const TlsContext& context, int fd) {
    ERR_clear_error();
    const BIO_METHOD* method = socket_method();
    ssl_.reset(SSL_new(context.native()));
    BIO* bio = BIO_new(method);
    if (!ssl_ || bio == nullptr) {
        BIO_free(bio);
        throw std::runtime_error(fmt::format("cannot start TLS on a connection: {}",
                                             reason_or(take_error().reason, "out of memory")));
    }
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl_.get(), bio, bio);  // one reference, for both directions: the SSL owns it
    SSL_set_accept_state(ssl_.get());
}

// Each operation starts with an empty error queue and errno 0, so that what SSL_get_error and
// errno say afterwards is about this operation: a read that ends at EOF sets no errno.
#define PARLEY_TLS_CALL(call) (ERR_clear_error(), errno = 0, (call))

TlsResult TlsConnection::handshake() {
    const int ret = PARLEY_TLS_CALL(SSL_do_handshake(ssl_.get()));
    return ret == 1 ? TlsResult{} : failure(ret);
}

TlsResult TlsConnection::read(char* buf, std::size_t n) {
    TlsResult result;
    while (result.bytes < n) {
        std::size_t got = 0;
        const int ret =
            PARLEY_TLS_CALL(SSL_read_ex(ssl_.get(), buf + result.bytes, n - result.bytes, &got));
        if (ret != 1) {
            TlsResult f = failure(ret);
            f.bytes = result.bytes;
            return f;
        }
        result.bytes += got;
    }
    return result;
}

TlsResult TlsConnection::write(const char* data, std::size_t n) {
    TlsResult result;
    // With partial writes each call sends at most a record or so; go on until the socket
    // says no more.
    while (result.bytes < n) {
        std::size_t put = 0;
        const int ret =
            PARLEY_TLS_CALL(SSL_write_ex(ssl_.get(), data + result.bytes, n - result.bytes, &put));
        if (ret != 1) {
            TlsResult f = failure(ret);
            f.bytes = result.bytes;
            return f;
        }
        result.bytes += put;
    }
    return result;
}

bool TlsConnection::pending() const {
    return SSL_has_pending(ssl_.get()) == 1;
}

TlsResult TlsConnection::shutdown() {
    // A connection whose handshake did not finish (or that failed fatally, which puts OpenSSL
    // back "in init") has nothing to close.
    if (SSL_is_init_finished(ssl_.get()) != 1) {
        return {};
    }
    const int ret = PARLEY_TLS_CALL(SSL_shutdown(ssl_.get()));
    if (ret >= 0) {
        return {};  // sent (0: the peer's close_notify has not come, and we do not wait for it)
    }
    const int saved_errno = errno;
    switch (SSL_get_error(ssl_.get(), ret)) {
        case SSL_ERROR_WANT_WRITE:
            return {Status::want_write, 0, {}};
        case SSL_ERROR_WANT_READ:
            ERR_clear_error();
            return {};  // ours has gone; this would wait for the peer's
        default: {
            TlsResult r{Status::error, 0, take_error().reason};
            if (r.reason.empty()) {
                r.reason = saved_errno != 0 ? std::strerror(saved_errno) : "shutdown failed";
            }
            return r;
        }
    }
}

std::string_view TlsConnection::version() const {
    return SSL_get_version(ssl_.get());
}

// Why the operation that returned `ret` stopped. Called at once after it: errno and the error
// queue are the operation's.
TlsResult TlsConnection::failure(int ret) {
    const int saved_errno = errno;
    SSL* ssl = ssl_.get();
    const int code = SSL_get_error(ssl, ret);
    switch (code) {
        case SSL_ERROR_WANT_READ:
            return {Status::want_read, 0, {}};
        case SSL_ERROR_WANT_WRITE:
            return {Status::want_write, 0, {}};
        case SSL_ERROR_ZERO_RETURN:
            ERR_clear_error();
            return {Status::closed, 0, "connection closed"};  // the peer's close_notify
        default:
            break;
    }
    // The connection has failed: no close_notify is to be sent on it any more, and OpenSSL
    // must not be asked to (SSL_shutdown after a fatal error). Marking both directions shut
    // makes a later shutdown() do nothing.
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    OpenSslError e = take_error();
    if (code == SSL_ERROR_SYSCALL && e.code == 0) {
        if (saved_errno == 0) {
            // EOF without close_notify (OpenSSL before 3.0 reports it so).
            return {Status::closed, 0, "unexpected EOF"};
        }
        if (saved_errno == ECONNRESET || saved_errno == EPIPE) {
            return {Status::error, 0, "connection reset"};
        }
        return {Status::error, 0, std::strerror(saved_errno)};
    }
    if (ERR_GET_LIB(e.code) == ERR_LIB_SSL &&
        ERR_GET_REASON(e.code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        // Many clients just close the socket; for a line protocol that is an ordinary close.
        return {Status::closed, 0, "unexpected EOF"};
    }
    if (e.reason.empty()) {
        e.reason = fmt::format("SSL_get_error {}", code);
    }
    return {Status::error, 0, std::move(e.reason)};
}

#undef PARLEY_TLS_CALL

// --- the handshake -----------------------------------------------------------------------------

namespace {

// Taken at the start: once the peer has gone, the socket no longer knows it.
asio::ip::tcp::endpoint remote_of(Socket& socket) {
    asio::error_code ec;
    asio::ip::tcp::endpoint remote = socket.remote_endpoint(ec);
    return ec ? asio::ip::tcp::endpoint{} : remote;
}

}  // namespace

// What the deadline's handler looks at. Shared with it, not in the handshake: the handler may
// already be queued to run when the handshake is over and gone.
struct TlsHandshake::Deadline {
    Socket* socket;  // null once the handshake is over, whichever way
    bool expired = false;
};

TlsHandshake::TlsHandshake(Socket& socket, TlsConnection& tls,
                           std::chrono::steady_clock::duration timeout)
    : tls_(tls),
      remote_(remote_of(socket)),
      timeout_(timeout),
      deadline_(std::make_shared<Deadline>(Deadline{&socket})),
      timer_(socket.get_executor(), timeout) {
    asio::error_code ec;
    socket.non_blocking(true, ec);  // OpenSSL reads and writes the descriptor directly
    // At the deadline the timer cancels the socket's pending wait; waited() then sees
    // `expired`. A timer that cancels, rather than a race of the wait against the timer.
    timer_.async_wait([deadline = deadline_](const asio::error_code& e) {
        if (!e && deadline->socket != nullptr) {
            deadline->expired = true;
            asio::error_code ignored;
            deadline->socket->cancel(ignored);
        }
    });
}

TlsHandshake::~TlsHandshake() {
    deadline_->socket = nullptr;  // disarmed, whichever way the handshake ended
}

std::optional<Socket::wait_type> TlsHandshake::next() {
    if (state_ != State::running) {
        return std::nullopt;
    }
    TlsResult r = tls_.handshake();
    if (r.ok()) {
        state_ = State::succeeded;
        return std::nullopt;
    }
    if (!r.waits()) {
        fail(r.reason);
        return std::nullopt;
    }
    return r.status == Status::want_read ? Socket::wait_read : Socket::wait_write;
}

void TlsHandshake::waited(const asio::error_code& ec) {
    if (deadline_->expired) {
        state_ = State::failed;
        spdlog::info("TLS handshake with {} timed out after {:g} s", Described{remote_},
                     std::chrono::duration<double>(timeout_).count());
    } else if (ec) {
        fail(ec == asio::error::operation_aborted ? "the connection was closed" : ec.message());
    }
}

void TlsHandshake::fail(std::string_view reason) {
    state_ = State::failed;
    spdlog::info("TLS handshake with {} failed: {}", Described{remote_}, reason);
}

}  // namespace parley
