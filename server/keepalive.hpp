#pragma once
// TCP keepalive as the operator sets it (--keepalive IDLE,INTERVAL,COUNT): how a peer that
// vanished without a FIN (a cable pulled, a NAT entry dropped, a laptop closed) is noticed.

#include <optional>
#include <string>
#include <string_view>

namespace parley {

struct Keepalive {
    int idle = 60;      // seconds of silence before the first probe (TCP_KEEPIDLE)
    int interval = 10;  // seconds between unanswered probes (TCP_KEEPINTVL)
    int count = 3;      // unanswered probes before the connection is dropped (TCP_KEEPCNT)

    // Seconds from the peer's last word until keepalive gives up on an idle connection.
    int reap_seconds() const { return idle + interval * count; }

    // TCP_USER_TIMEOUT, in milliseconds: how long sent data may stay unacknowledged before
    // the kernel drops the connection. Without it a peer that vanished while we had data in
    // flight is retransmitted to for about 15 minutes (tcp_retries2), and keepalive never
    // starts while data is unacknowledged. The same bound as keepalive's keeps one promise:
    // whichever way a peer vanished, idle or not, it is gone IDLE+INTERVAL*COUNT seconds
    // after it last acknowledged anything. It is not smaller, since Linux lets the user
    // timeout cut keepalive's probing short too; a slow but live link keeps acknowledging
    // and is not affected (a reader that stops reading is the outbox's business instead).
    unsigned user_timeout_ms() const { return static_cast<unsigned>(reap_seconds()) * 1000u; }

    std::string to_string() const;  // "60,10,3", as the flag takes it

    friend bool operator==(const Keepalive&, const Keepalive&) = default;
};

// "IDLE,INTERVAL,COUNT": whole seconds, seconds, probes, within what Linux accepts
// (TCP_KEEPIDLE and TCP_KEEPINTVL 1..32767, TCP_KEEPCNT 1..127). On bad text: nullopt and,
// in `error`, why.
std::optional<Keepalive> parse_keepalive(std::string_view text, std::string& error);

}  // namespace parley
