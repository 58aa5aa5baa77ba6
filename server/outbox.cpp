#include "server/outbox.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <limits>

namespace parley {

namespace {
// The channel counts messages, we count bytes. Its count limit only has to be high enough that
// the byte limit always binds first: no line is shorter than 3 bytes ("x\r\n").
std::size_t channel_capacity(std::size_t max_bytes) {
    return max_bytes == 0 ? std::numeric_limits<std::size_t>::max() / 2 : max_bytes / 3 + 2;
}
}  // namespace

Outbox::Outbox(const asio::any_io_executor& ex, std::size_t max_bytes)
    : channel_(ex, channel_capacity(max_bytes)), max_bytes_(max_bytes) {}

bool Outbox::offer(const Message& m) {
    if (finished_) {
        return true;
    }
    if (max_bytes_ != 0 && unread_ + m->size() > max_bytes_) {
        return false;
    }
    if (!channel_.try_send(asio::error_code{}, m)) {
        return false;
    }
    unread_ += m->size();
    return true;
}

bool Outbox::finish() {
    if (finished_) {
        return true;
    }
    finished_ = true;
    return channel_.try_send(asio::error_code{}, Message{});
}

asio::awaitable<bool> Outbox::next_batch(std::string& out, std::size_t soft_limit) {
    auto [ec, first] =
        co_await channel_.async_receive(asio::experimental::as_tuple(asio::use_awaitable));
    out.clear();  // only now: `out` may be shared with others while we wait
    if (ec || !first) {
        co_return false;
    }
    out.append(*first);
    bool more = true;
    while (out.size() < soft_limit && channel_.try_receive([&](asio::error_code, Message m) {
        if (m) {
            out.append(*m);
        } else {
            more = false;
        }
    })) {
        if (!more) {
            break;
        }
    }
    co_return more;
}

}  // namespace parley
