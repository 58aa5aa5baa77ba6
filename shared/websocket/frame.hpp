#pragma once
// WebSocket framing (RFC 6455 section 5), without a socket: the reader that turns the bytes a
// peer sends into whole messages and control frames, and the writers of frames.
//
// The server's reader (Role::server) takes only masked frames, as RFC 6455 5.1 requires of
// clients; a client's reader (Role::client: load tools, tests) takes only unmasked ones. It
// reassembles fragmented messages, with control frames (ping, pong, close) allowed between the
// fragments (5.4), and checks as the bytes arrive: reserved bits (no extension is negotiated),
// opcodes, control frames of at most 125 bytes and never fragmented (5.5), continuation frames
// only inside a message and data frames never inside one, the message size limit over all of a
// message's fragments, and the UTF-8 of text messages fragment by fragment (8.1: fail fast).
// A Close frame's payload is an optional code (7.4) and a UTF-8 reason. After a failure or a
// Close the reader takes nothing more.
//
// An idle reader holds no heap memory: what it buffers is released once a message is whole.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::ws {

enum class Opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

// Close codes (RFC 6455 7.4.1) Parley sends or reports.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;  // server shutdown
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;  // a binary message
inline constexpr std::uint16_t no_status = 1005;         // a Close without a code (never sent)
inline constexpr std::uint16_t invalid_data = 1007;      // text that is not UTF-8
inline constexpr std::uint16_t policy_violation = 1008;  // too many refused commands
inline constexpr std::uint16_t too_big = 1009;           // over the message size limit
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t try_again_later = 1013;  // server full
}  // namespace close_code

// Whether `code` may travel in a Close frame (7.4: 1000-1003, 1007-1014, 3000-4999).
bool valid_close_code(std::uint16_t code);

enum class Role { server, client };

// What the reader found: a whole message, a control frame, or why the connection must close.
struct Incoming {
    enum class Kind { text, binary, ping, pong, close, failure };
    Kind kind = Kind::text;
    // text/binary: the whole message, unmasked; ping/pong: the payload; close: the reason.
    // Valid until the next call to feed() or next().
    std::string_view payload;
    // close: the peer's code (no_status when it sent none); failure: the code to close with.
    std::uint16_t code = 0;
    // failure: why, short, for the Close frame's reason and for logs.
    std::string_view problem;
};

class MessageReader {
  public:
    explicit MessageReader(std::size_t max_message, Role role = Role::server);

    // Buffers `bytes` (what arrived) for next().
    void feed(std::string_view bytes);
    // The next whole message or control frame, or a failure; false when more bytes are needed
    // (or after a failure or Close, for good).
    bool next(Incoming& out);
    // Whether a failure or a Close has been returned: the reader takes nothing more.
    bool done() const { return done_; }
    // The bytes held: those fed and not yet returned, and the fragments of an unfinished
    // message. Once next() has returned false it is at most max_message + 139 (a message's
    // fragments, and a frame header of 14 bytes with up to 125 bytes of a control frame), and
    // 0 when no frame is unfinished.
    std::size_t buffered() const { return buffer_.size() - consumed_ + message_.size(); }
    // Whether the reader stands between frames and outside a fragmented message: nothing fed
    // is left unread and next() would need a new frame to return anything. A client may then
    // read whole frames where they lie itself and feed the reader only what it does not.
    bool between_frames() const { return !in_message_ && consumed_ == buffer_.size(); }

  private:
    // Ends the reader with a failure to close with.
    bool fail(Incoming& out, std::uint16_t code, std::string_view problem);
    // The checks a frame's first two bytes allow; false with `out` filled on a failure.
    bool check_first_bytes(unsigned char b0, unsigned char b1, Incoming& out);
    // Takes the payload of a fragment of a message into message_ (UTF-8 checked for text).
    bool take_fragment(std::string_view payload, bool fin, Incoming& out);
    // What next() does on returning false: keeps only the bytes of an unfinished frame.
    bool wait_for_more();

    std::size_t max_message_;
    Role role_;
    bool done_ = false;
    // Bytes fed and not yet consumed start at consumed_. A frame is unmasked in place here, so
    // a whole unfragmented message is returned as a view into it: one copy of the payload,
    // the one feed() makes.
    std::string buffer_;
    std::size_t consumed_ = 0;
    // The fragments of the message being reassembled, and, after a fragmented message was
    // returned, that message until the next call.
    std::string message_;
    bool in_message_ = false;
    Opcode message_opcode_ = Opcode::text;
    std::uint32_t utf8_state_ = 0;  // the UTF-8 check of a text message, across fragments
};

// The size of a frame header for a payload of `size` bytes, unmasked (server frames).
std::size_t header_size(std::size_t size);
// Appends a whole (FIN), unmasked frame: what a server sends.
void append_frame(std::string& out, Opcode op, std::string_view payload);
std::string frame(Opcode op, std::string_view payload);
// A Close frame with `code` and `reason`, cut to fit a control frame (123 bytes) at a UTF-8
// boundary. close_code::no_status, which stands for a Close without a code, gives exactly
// that: an empty Close (a reason needs a code).
std::string close_frame(std::uint16_t code, std::string_view reason);
// A masked frame, as a client sends (tests, load tools); `fin` false for a fragment.
std::string masked_frame(Opcode op, std::string_view payload, std::array<std::uint8_t, 4> mask,
                         bool fin = true);

}  // namespace parley::ws
