# Precompiled headers for the server library: the Asio, spdlog and fmt headers nearly every one
# of its files includes, parsed once instead of once per file. They were about a third of
# compiling a server file, and CI builds the server twice (the Release and the ASan+UBSan
# suites): with them its 52 files took 204 s of CPU instead of 286 (Release, 2 cores). What a
# file includes itself is unchanged, so every file still compiles without them.
#
# Not for the tests: with Catch2's header precompiled, g++ 12 reports -Wstringop-overflow inside
# std::string's inlined copies in several test files (a false positive of the kind that
# tests/CMakeLists.txt already turns -Wrestrict off for), and the tests keep their warnings.
function(parley_precompile_server_headers target)
  target_precompile_headers(${target} PRIVATE
    <asio/awaitable.hpp> <asio/basic_socket_acceptor.hpp> <asio/basic_stream_socket.hpp>
    <asio/basic_waitable_timer.hpp> <asio/co_spawn.hpp> <asio/experimental/as_tuple.hpp>
    <asio/io_context.hpp> <asio/ip/tcp.hpp> <asio/post.hpp> <asio/use_awaitable.hpp>
    <fmt/format.h> <spdlog/spdlog.h>)
endfunction()
