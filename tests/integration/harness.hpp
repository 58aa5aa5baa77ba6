#pragma once
// What the integration tests use: a real Parley server on an ephemeral loopback port, and
// clients that talk to it over real TCP sockets the way nc and telnet do. Every wait has a
// deadline; nothing sleeps to synchronise.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/config.hpp"
#include "server/server.hpp"

namespace parley::test {

using namespace std::chrono_literals;
using Duration = std::chrono::milliseconds;

// Long enough for a loaded 2-core machine under ASan; only failures ever wait this long.
inline constexpr Duration patience = 10s;

// A config for tests: an ephemeral loopback port, quiet logs, short shutdown.
Config test_config();

// The IRC server name tests run with (Config::server_name; the command line would default it
// to the host name).
inline constexpr std::string_view irc_server_name = "irc.parley.test";

// test_config() with an IRC listener on an ephemeral loopback port too, and irc_server_name.
Config irc_config();

// test_config() with an HTTP listener (the web client, /ws) on an ephemeral loopback port too.
Config web_config();

// Runs a Server on its own thread; the destructor stops it gracefully and joins.
class TestServer {
  public:
    explicit TestServer(Config config = test_config());
    ~TestServer();
    unsigned short port() const { return port_; }
    // The IRC listener's port; 0 when the config has none (test_config() has none).
    unsigned short irc_port() const { return irc_port_; }
    // The metrics listener's port (HTTP, /metrics); 0 when the config has none.
    unsigned short metrics_port() const { return metrics_port_; }
    // The HTTP listener's port (the web client, /ws); 0 when the config has none.
    unsigned short http_port() const { return http_port_; }
    ServerStats stats() { return server_.stats(); }
    // Stops the server as a signal would and waits for run() to return; returns how long that
    // took. The destructor does the same if this was not called.
    Duration shutdown();
    // Waits until the server holds exactly `clients` sessions, connections and nicknames, with
    // `clients` members in its rooms and only the rooms in `rooms` (default: #lobby alone); true
    // if it does within the deadline. Every guard a session holds shows in one of these.
    bool settles_at(std::size_t clients, std::size_t rooms = 1, Duration timeout = patience);
    // Waits until the server's counts are exactly `want` (IRC clients are in no room until they
    // join one, so members and clients differ); true if they are within the deadline.
    bool settles_to(const ServerStats& want, Duration timeout = patience);

  private:
    Server server_;
    unsigned short port_;
    unsigned short irc_port_;
    unsigned short metrics_port_;
    unsigned short http_port_;
    std::thread thread_;
};

class Client {
  public:
    // Connects to 127.0.0.1:port. rcvbuf > 0 sets a small receive buffer (for clients that
    // never read). bind_address picks the source address (127.0.0.x).
    explicit Client(unsigned short port, int rcvbuf = 0, const char* bind_address = nullptr);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Sends raw bytes.
    void send(std::string_view bytes);
    // Sends a line with "\n".
    void say(std::string_view line) { send(std::string(line) + "\n"); }

    // The next line without its CRLF, or nothing if the connection closed or the deadline
    // passed.
    std::optional<std::string> line(Duration timeout = patience);
    // The same with its line ending as received ("...\r\n"), to check the bytes themselves.
    std::optional<std::string> raw_line(Duration timeout = patience);
    // Reads lines until one satisfies `pred`; returns it, or throws with the lines seen.
    std::string expect(const std::function<bool(std::string_view)>& pred,
                       Duration timeout = patience);
    // Reads lines until one starts with `prefix`.
    std::string expect_prefix(std::string_view prefix, Duration timeout = patience);
    // Reads lines until one ends with `suffix`.
    std::string expect_suffix(std::string_view suffix, Duration timeout = patience);
    // Reads lines until one equals `text`.
    std::string expect_line(std::string_view text, Duration timeout = patience);
    // True if the server closes the connection within `timeout` (lines before that are
    // collected into seen()).
    bool closed_within(Duration timeout = patience);
    // Connects, reads the greeting and join block, and sets the nickname. The returned client
    // has read everything the server sent it so far (it ends at a marker line).
    static std::unique_ptr<Client> join(unsigned short port, std::string_view nick = {});
    // Ensures everything sent earlier was processed: round-trips a /who.
    void sync();
    // Says 1000-byte lines in the room until the server evicts `reader` (a member that does not
    // read) as too slow: its kernel buffers fill, then its outbox. Bounded: at most 20 MB in
    // all. Whether it was evicted.
    bool talk_until_evicted(std::string_view reader);

    // Every line received so far.
    const std::vector<std::string>& seen() const { return seen_; }
    bool has_seen(std::string_view text) const;
    // Whether a line received since seen()[from] holds `text`.
    bool has_seen_containing(std::string_view text, std::size_t from = 0) const;
    // Resets the connection abruptly (RST).
    void reset();
    // How the server closed the connection: 0 for an orderly close (FIN), else the errno the
    // receive failed with (ECONNRESET when the server reset it). Meaningful once closed.
    int close_error() const { return close_error_; }
    void shutdown_send();
    int fd() const { return fd_; }

  protected:
    // IRC: a PING from the server is answered with its PONG as it is read (and still seen).
    bool answer_pings_ = false;

  private:
    bool fill(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    std::string buffer_;
    std::vector<std::string> seen_;
    bool eof_ = false;
    int close_error_ = 0;
};

// A client of the IRC listener, speaking IRC the way irssi or WeeChat do: lines end in CRLF,
// and server PINGs are answered unless answer_pings(false).
class IrcClient : public Client {
  public:
    // Connects; sends nothing.
    explicit IrcClient(unsigned short irc_port);

    // Connects, registers with NICK and USER (user name: the first 10 characters of `nick`;
    // real name "Real <nick>"), and reads the welcome burst up to its end (376 or 422). The
    // returned client has read everything the server sent it so far.
    static std::unique_ptr<IrcClient> connect(unsigned short irc_port, std::string_view nick);

    // Sends `line` with CRLF.
    void send_line(std::string_view line) { send(std::string(line) + "\r\n"); }
    // Ensures everything sent earlier was handled and everything queued for this client before
    // that was read: round-trips a PING.
    void sync();
    // Reads lines until the numeric reply `code` (from irc_server_name) and returns it.
    std::string expect_numeric(unsigned code, Duration timeout = patience);
    void answer_pings(bool on) { answer_pings_ = on; }

    // The nickname this client registered with (connect()).
    const std::string& nick() const { return nick_; }

  private:
    std::string nick_;
    unsigned syncs_ = 0;
};

// Where a numeric reply is: ":irc.parley.test 001 " and so on.
std::string numeric_prefix(unsigned code);

}  // namespace parley::test
