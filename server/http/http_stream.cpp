#include "server/http/http_stream.hpp"

#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/write.hpp>
#include <variant>

#include "server/transport/tls.hpp"

namespace parley {

using namespace asio::experimental::awaitable_operators;

Task<HttpStream::Read> HttpStream::read_some(char* buf, std::size_t size, std::size_t& got) {
    got = 0;
    if (tls_ == nullptr) {
        auto r = co_await (socket_.async_read_some(asio::buffer(buf, size), use_task_tuple) ||
                           deadline_.async_wait(use_task_tuple));
        if (r.index() == 1) {
            co_return Read::timeout;
        }
        auto [ec, n] = std::get<0>(r);
        got = n;
        co_return ec ? Read::closed : Read::data;
    }
    for (;;) {
        const TlsResult r = tls_->read(buf, size);
        got = r.bytes;
        if (r.bytes > 0) {
            co_return Read::data;  // a close or failure after them shows on the next read
        }
        if (!r.waits()) {
            co_return Read::closed;
        }
        const auto wait =
            r.status == TlsResult::Status::want_read ? Socket::wait_read : Socket::wait_write;
        auto w = co_await (socket_.async_wait(wait, use_task_tuple) ||
                           deadline_.async_wait(use_task_tuple));
        if (w.index() == 1) {
            co_return Read::timeout;
        }
        if (std::get<0>(std::get<0>(w))) {
            co_return Read::closed;
        }
    }
}

Task<bool> HttpStream::write_all(std::string_view bytes) {
    if (tls_ == nullptr) {
        auto r = co_await (asio::async_write(socket_, asio::buffer(bytes), use_task_tuple) ||
                           deadline_.async_wait(use_task_tuple));
        co_return r.index() == 0 && !std::get<0>(std::get<0>(r));
    }
    // `bytes` stays in place until all of it is taken: OpenSSL may have sealed a record of it
    // already, which must go out as it is (see TlsConnection::write).
    while (!bytes.empty()) {
        const TlsResult r = tls_->write(bytes.data(), bytes.size());
        bytes.remove_prefix(r.bytes);
        if (r.ok()) {
            co_return true;
        }
        if (!r.waits()) {
            co_return false;
        }
        const auto wait =
            r.status == TlsResult::Status::want_read ? Socket::wait_read : Socket::wait_write;
        auto w = co_await (socket_.async_wait(wait, use_task_tuple) ||
                           deadline_.async_wait(use_task_tuple));
        if (w.index() == 1 || std::get<0>(std::get<0>(w))) {
            co_return false;
        }
    }
    co_return true;
}

Task<void> HttpStream::linger() {
    if (tls_ != nullptr) {
        tls_->shutdown();  // best effort: the client knows the response is whole by its length
    }
    asio::error_code ec;
    socket_.shutdown(Socket::shutdown_send, ec);
    if (ec) {
        co_return;
    }
    deadline_.expires_after(std::chrono::seconds(1));
    std::array<char, 4096> sink;
    for (std::size_t total = 0; total < 64 * 1024;) {
        // Raw bytes, TLS or not: they are dropped unread.
        auto got = co_await (socket_.async_read_some(asio::buffer(sink), use_task_tuple) ||
                             deadline_.async_wait(use_task_tuple));
        if (got.index() == 1 || std::get<0>(std::get<0>(got))) {
            co_return;  // the deadline, the client's close, or shutdown
        }
        total += std::get<1>(std::get<0>(got));
    }
}

}  // namespace parley
