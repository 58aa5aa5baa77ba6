#pragma once
// What one HTTP connection reads and writes through, within its deadline: the socket itself,
// or TLS over it (an https:// --http-listen). The HTTP session coroutine reads and writes the
// same way over both; TLS is driven by readiness waits on the socket, as chat sessions drive
// it (server/transport/tls.hpp).

#include <cstddef>
#include <string_view>

#include "server/endpoint.hpp"
#include "server/task.hpp"

namespace parley {

class TlsConnection;

class HttpStream {
  public:
    // `tls` null for plain HTTP; both must outlive this.
    HttpStream(Socket& socket, TlsConnection* tls, Timer& deadline)
        : socket_(socket), tls_(tls), deadline_(deadline) {}

    // From now on through `tls` (after its handshake).
    void use_tls(TlsConnection& tls) { tls_ = &tls; }

    enum class Read { data, timeout, closed };
    // Reads what has arrived (at most `size` bytes) into `buf`, waiting until the deadline
    // for something; `got` says how much.
    Task<Read> read_some(char* buf, std::size_t size, std::size_t& got);
    // Writes all of `bytes` before the deadline; false if it could not.
    Task<bool> write_all(std::string_view bytes);
    // Ends the connection politely after a response: the sending side is shut first and what
    // the client still sends is read and dropped for a moment, so that the kernel does not
    // reset the connection before the client has read the response (RFC 9112 9.6). Over TLS,
    // a close_notify first.
    Task<void> linger();

  private:
    Socket& socket_;
    TlsConnection* tls_;
    Timer& deadline_;
};

}  // namespace parley
