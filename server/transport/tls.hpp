#pragma once
// TLS over a session's own non-blocking socket, driven by readiness waits like the plain
// transport: the session waits until the socket is readable or writable, then asks OpenSSL to
// go as far as it can without blocking, and is told which readiness to wait for next.
//
// Not asio::ssl::stream: that holds about 68 KiB of buffers per connection for its whole life
// and has no non-blocking "try it now" operations. Here a connection is one SSL object; with
// SSL_MODE_RELEASE_BUFFERS OpenSSL frees its record buffers whenever they are empty, so an idle
// connection holds only the keys and the session state: about 13.5 KB with OpenSSL 3.0, 7.6 KB of
// it the SSL object itself (tests/server/tls_test.cpp measures it, "an idle connection").
//
// Everything here runs on the server's one thread; none of it is meant to be shared across
// threads.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/task.hpp"

// OpenSSL's types, declared so that this header does not pull in OpenSSL's.
struct ssl_ctx_st;
struct ssl_st;

namespace parley {

// The outcome of one non-blocking TLS operation. Act on `bytes` first (they are done, whatever
// the status says), then on the status.
struct TlsResult {
    enum class Status : std::uint8_t {
        done,        // read: the buffer is full (see TlsConnection::read); else all is done
        want_read,   // wait until the socket is readable, then call the same operation again
        want_write,  // wait until the socket is writable, then call the same operation again
        closed,      // the peer closed the connection (close_notify, or EOF without one)
        error,       // the connection failed; `reason` says why, for the log
    };

    Status status = Status::done;
    std::size_t bytes = 0;  // read or written by this call
    // For `closed` and `error`: one short phrase for the log ("wrong version number",
    // "connection reset", "unexpected EOF"). Empty otherwise, so a result allocates nothing on
    // the common paths.
    std::string reason;

    bool ok() const { return status == Status::done; }
    bool waits() const { return status == Status::want_read || status == Status::want_write; }
};

// The server's certificate and key, and the TLS settings every connection gets: TLS 1.2 or
// later, ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2 (OpenSSL's defaults for 1.3), no
// compression, no renegotiation; session tickets for resumption, no server-side session cache.
class TlsContext {
  public:
    // Reads a PEM certificate (a chain: the server's certificate first, then intermediates) and
    // its PEM private key (which must not need a passphrase). Throws std::runtime_error with one
    // line saying what is wrong: a file that cannot be read, no certificate in it, a key that
    // cannot be loaded or does not match the certificate.
    static TlsContext load(const std::string& cert_file, const std::string& key_file);

    // Builds a new context from the files and puts it in place of the current one, for
    // connections made from now on (SIGHUP after renewing a certificate). Connections already
    // made keep the context they were made with. Throws as load() does, and then the current
    // context stays in place.
    void reload(const std::string& cert_file, const std::string& key_file);

    TlsContext(TlsContext&&) noexcept = default;
    TlsContext& operator=(TlsContext&&) noexcept = default;

    ssl_ctx_st* native() const { return ctx_.get(); }

  private:
    struct Free {
        void operator()(ssl_ctx_st* ctx) const noexcept;
    };
    explicit TlsContext(std::unique_ptr<ssl_ctx_st, Free> ctx) : ctx_(std::move(ctx)) {}

    // SSL_new takes a reference to the SSL_CTX: replacing this one frees it only once the
    // last connection made from it is gone.
    std::unique_ptr<ssl_ctx_st, Free> ctx_;
};

// The server side of one TLS connection over a connected non-blocking socket: an SSL object and
// nothing else. It does not own the socket; the socket must outlive it, or at least it must not
// be used once the socket is closed.
class TlsConnection {
  public:
    // Throws std::runtime_error (or std::bad_alloc) if OpenSSL cannot make the connection.
    TlsConnection(const TlsContext& context, int fd);
    TlsConnection(TlsConnection&&) noexcept = default;
    TlsConnection& operator=(TlsConnection&&) noexcept = default;

    // Advances the handshake: `done` once it is complete.
    TlsResult handshake();

    // Reads up to `n` decrypted bytes into `buf`, as many as can be had without blocking.
    // - want_read (with any `bytes`): nothing more for now; wait until the socket is readable.
    // - done: the buffer is full. OpenSSL may still hold decrypted bytes that the socket will
    //   never signal again, so read again at once while pending() is true.
    // - want_write: OpenSSL must send something before it can read on (not expected with
    //   renegotiation off); wait until the socket is writable, then read again.
    // - closed / error: the connection is over, after `bytes`.
    TlsResult read(char* buf, std::size_t n);

    // Writes as much of `data` as the socket takes now; `bytes` says how much was taken.
    // - done: all of it.
    // - want_write (or want_read): wait for that readiness, then call write() again with the
    //   rest, that is, with the bytes that follow the ones taken, whatever else has been
    //   queued since after them: OpenSSL may already have sealed the next record, and that
    //   record must go out before anything else. The rest may have moved in memory
    //   (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER) and may be longer, but not shorter.
    // - error: the connection failed.
    TlsResult write(const char* data, std::size_t n);

    // Whether OpenSSL holds received bytes not yet read (see read()).
    bool pending() const;

    // Sends close_notify, best effort, without waiting for the peer's: done once sent (or if
    // there is nothing to do: the handshake never finished, or the connection failed);
    // want_write if the socket does not take it now (call again when writable, or give up).
    TlsResult shutdown();

    // The protocol version agreed ("TLSv1.3"), for the log.
    std::string_view version() const;

  private:
    TlsResult failure(int ret);

    struct Free {
        void operator()(ssl_st* ssl) const noexcept;
    };
    std::unique_ptr<ssl_st, Free> ssl_;
};

// The server side of the handshake on `socket` (made non-blocking here), as steps that the
// session coroutine drives with its own readiness waits, for at most `timeout`:
//
//     TlsHandshake handshake{socket, tls, timeout};
//     while (auto wait = handshake.next()) {
//         auto [ec] = co_await socket.async_wait(*wait, use_task_tuple);
//         handshake.waited(ec);
//     }
//     if (!handshake.succeeded()) { ...close... }
//
// At the deadline the socket's pending wait is cancelled. When it fails, times out, or the
// socket is closed meanwhile, one line says why in the log ("TLS handshake with
// 127.0.0.1:5555 failed: wrong version number", "... timed out after 10 s").
//
// Why steps and not a coroutine of its own: a coroutine frame that ends after the handshake
// goes to Asio's per-thread frame cache, and the next frame the session allocates for its whole
// life (a wait of half the size) is then cut from it: a couple of hundred bytes lost for every
// idle TLS client. Driven from the session coroutine, the handshake's waits are the same size
// as the session's later ones, and the state here is freed with this object.
class TlsHandshake {
  public:
    TlsHandshake(Socket& socket, TlsConnection& tls, std::chrono::steady_clock::duration timeout);
    ~TlsHandshake();
    TlsHandshake(const TlsHandshake&) = delete;
    TlsHandshake& operator=(const TlsHandshake&) = delete;

    // Takes the handshake as far as it goes without blocking: the readiness to wait for before
    // the next step, or nothing once it is over (succeeded() says how).
    std::optional<Socket::wait_type> next();
    // The wait that next() asked for has completed with `ec`.
    void waited(const asio::error_code& ec);
    bool succeeded() const { return state_ == State::succeeded; }

  private:
    struct Deadline;
    enum class State : std::uint8_t { running, succeeded, failed };

    void fail(std::string_view reason);

    TlsConnection& tls_;
    asio::ip::tcp::endpoint remote_;
    std::chrono::steady_clock::duration timeout_;
    std::shared_ptr<Deadline> deadline_;
    Timer timer_;
    State state_ = State::running;
};

}  // namespace parley
