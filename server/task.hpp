#pragma once
// The types every coroutine of the server is written in. All of Parley's state lives on one
// io_context run by one thread, so its coroutines, sockets and timers are typed on that
// io_context's executor rather than on the polymorphic any_io_executor: each suspended
// coroutine then stores an 8-byte executor instead of a type-erased one, which measured about
// 300 bytes less per connection (docs/benchmarks.md, "Where an idle connection's memory goes").

#include <asio/awaitable.hpp>
#include <asio/basic_socket_acceptor.hpp>
#include <asio/basic_stream_socket.hpp>
#include <asio/basic_waitable_timer.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>

namespace parley {

using Executor = asio::io_context::executor_type;

// A coroutine of the server: Task<void> for a connection's whole life, Task<bool> for a step.
template <class T = void>
using Task = asio::awaitable<T, Executor>;

// The completion token that makes an Asio operation awaitable in a Task.
inline constexpr asio::use_awaitable_t<Executor> use_task{};
// The same, with errors returned as the first element of a tuple instead of thrown: a closed
// socket or a cancelled timer is an expected end, not an exception.
inline constexpr auto use_task_tuple = asio::experimental::as_tuple(use_task);

using Socket = asio::basic_stream_socket<asio::ip::tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<asio::ip::tcp, Executor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Executor>;

}  // namespace parley
