#pragma once
// Removes telnet protocol from a client's byte stream.
//
// `nc` sends plain bytes; the `telnet` client may send commands (IAC ...), above all IAC IP
// when the user presses Ctrl-C. Parley negotiates no options: every WILL is answered with
// DONT and every DO with WONT (never answering WONT/DONT, so no negotiation can loop), and
// none of it ever reaches the chat. IAC IAC stands for a literal 0xFF byte, and the NUL a
// telnet client sends after a bare CR is dropped. State carries across chunks, so a command
// split between two reads is still recognised.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace parley {

class TelnetFilter {
  public:
    struct Output {
        std::string_view data;   // the chat bytes of the chunk, telnet removed
        bool interrupt = false;  // IAC IP, IAC ABORT, IAC EOF or IAC BRK: the user wants out
    };

    // Filters one chunk. The returned view points into `chunk` itself when the chunk held no
    // telnet bytes (the common case, no copy), otherwise into a buffer owned by the filter;
    // it is valid until the next call. Refusals to send back are appended to `replies`.
    Output filter(std::string_view chunk, std::string& replies);

  private:
    enum class State : std::uint8_t { data, cr, iac, option, sb, sb_iac };
    State state_ = State::data;
    std::uint8_t verb_ = 0;
    // The output of a chunk that held telnet bytes. Allocated on first need: most connections
    // (nc, scripts) never send any, and this object sits in every connection.
    std::unique_ptr<std::string> out_;
};

}  // namespace parley
