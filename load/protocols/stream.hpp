#pragma once
// What every protocol's parser shares: the kinds of message that are not deliveries, and the
// helpers that cut a byte stream into lines without copying.
//
// Parsing works on whole messages only: a parser returns how many bytes it consumed and the
// caller keeps the incomplete rest for the next read. Payloads never contain CR or LF, so
// every format can be cut with memchr and nothing is copied: deliveries are views into the
// caller's read buffer.

#include <cstddef>
#include <cstring>
#include <string_view>

namespace parley::load {

// What a non-delivery part of the stream is.
enum class Control {
    line,        // Parley: any line that is not a room message (notices, info, errors)
    subscribed,  // Redis: a SUBSCRIBE confirmation; IRC: 366, the end of a join's names
    pong,        // Redis +PONG / NATS PONG: the server processed everything sent before
    ping,        // NATS and IRC PING: must be answered with PONG or the server disconnects us
                 // (the text is what the answer repeats: IRC's token)
    registered,  // IRC 001: registration is complete, the client may now join
    joined,      // IRC JOIN, anyone's: the client's own one means it is in the room
    error,       // Redis -ERR, NATS -ERR, IRC ERROR and error numerics (4xx, 5xx)
    other,       // anything else (INFO, +OK, integer replies to PUBLISH, IRC notices, ...)
};

// How a protocol's clients behave, where the engine has to know.
struct ProtocolTraits {
    bool echoes_own_messages = false;    // a client gets its own publishes back
    bool subscriber_can_publish = true;  // else a talker needs a second connection to publish
    bool publisher_subscribes = false;   // a publish-only client must join the room too
    bool names_itself = false;           // the client picks its nickname (else the server does)
    std::size_t max_payload = 0;         // the longest payload its lines carry; 0: no limit of
                                         // its own (kMaxPayloadSize)
};

namespace detail {

inline std::string_view strip_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return line;
}

inline const char* find_lf(const char* p, const char* end) {
    return static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
}

}  // namespace detail

}  // namespace parley::load
