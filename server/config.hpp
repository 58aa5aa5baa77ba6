#pragma once
// Everything an operator can set. Defaults are the documented ones; 0 turns a limit off.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "server/keepalive.hpp"

namespace parley {

// An operator's name and password hash (--oper NAME:HASH).
struct Oper {
    std::string name;
    std::string hash;
};

struct Config {
    // Listeners, "HOST:PORT" or "tls://HOST:PORT"; an empty list turns the kind off.
    std::vector<std::string> listen{"127.0.0.1:7777"};       // plain (nc, telnet)
    std::vector<std::string> irc_listen{"127.0.0.1:6667"};   // IRC
    std::vector<std::string> metrics_listen;                 // HTTP, /metrics; off by default
    std::vector<std::string> http_listen{"127.0.0.1:8080"};  // HTTP: the web client and /ws
    std::string http_origin = "same";    // pages that may open /ws (ws::parse_origin_policy)
    std::size_t max_line = 4096;         // bytes per received line
    double rate = 5;                     // lines per second per client
    double burst = 20;                   // lines a client may send at once
    double strikes = 30;                 // refused lines before disconnect (1/s recovery)
    std::size_t outbox_bytes = 1 << 20;  // unread bytes queued for one client
    std::size_t outbox_total = 0;        // all outboxes' memory (0: none; see options.cpp)
    std::size_t max_clients = 10000;     // connections in all
    std::size_t max_per_address = 64;    // connections from one IP address
    unsigned ipv6_prefix = 64;           // ... IPv6 ones counted by this network (address_key)
    Keepalive keepalive;                 // how dead peers are found (tune_socket)
    double idle_timeout = 0;             // seconds without input
    std::size_t history = 50;            // recent messages kept per room
    std::size_t max_rooms = 10000;       // rooms at once, #lobby included
    std::size_t announce_limit = 500;    // rooms larger than this skip presence notices
    bool timestamps = false;             // prefix every line with HH:MM:SS
    double shutdown_timeout = 2;         // seconds to flush outboxes on SIGINT/SIGTERM
    double quit_linger = 5;              // seconds a leaving client has to read its last lines
    double web_ping_interval =
        30;                    // seconds of silence before a browser is pinged (tests shorten it)
    double http_timeout = 10;  // seconds an HTTP client has for a request head (tests shorten it)
    std::string log_level = "info";
    std::string motd_file;
    std::vector<std::string> motd;   // lines of motd_file, loaded at start (and on SIGHUP)
    std::string server_name;         // IRC's server name; the host name by default
    std::string network = "Parley";  // IRC's NETWORK
    std::vector<Oper> opers;         // from --oper and --oper-file
    std::string oper_file;           // --oper-file, read at start and on SIGHUP
    double ping_interval = 120;      // seconds of silence before an IRC client is pinged; as long
                                     // again without an answer ends it
    std::string tls_cert;            // PEM files for tls:// listeners
    std::string tls_key;
    // Where room history and topics are kept (history.db); empty: in memory only, as a server
    // built from code (tests) runs. The command line defaults to default_data_dir().
    std::string data_dir;
    std::size_t retain_messages = 0;  // stored messages kept per room; 0: all
    double retain_days = 0;           // days stored messages are kept; 0: forever
    bool reset_corrupt_data = false;  // a damaged database is moved aside and a new one begun

    // For SIGHUP, which parses the command line and the config file again: the arguments as
    // given (without the program's name), and every setting's value as parsed, by flag name,
    // to tell which changed. Empty when the Config was not made from a command line.
    std::vector<std::string> command_line;
    std::map<std::string, std::string> settings;
};

// The history database's file in `data_dir`.
inline std::string history_file(const std::string& data_dir) {
    return data_dir + "/history.db";
}

// The settings count seconds as decimals (0.3 in tests); timers want a clock duration.
inline std::chrono::steady_clock::duration from_seconds(double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(s));
}

}  // namespace parley
