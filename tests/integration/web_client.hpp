#pragma once
// A browser as the integration tests play it: a real TCP connection to the server's HTTP
// listener, upgraded to a WebSocket at /ws (RFC 6455: masked frames out, the server's frames
// read with the client side of shared/websocket), speaking the JSON of docs/protocol.md. Every
// wait has a deadline.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/websocket/frame.hpp"
#include "tests/integration/harness.hpp"

namespace parley::test {

class WebClient : public Client {
  public:
    using Json = nlohmann::json;

    // Connects to the HTTP listener at `http_port` and sends the upgrade request (with
    // `extra_headers`, each "Name: value\r\n"); reads nothing yet. rcvbuf > 0 sets a small
    // receive buffer (for browsers that stop reading).
    explicit WebClient(unsigned short http_port, std::string extra_headers = {}, int rcvbuf = 0);

    // Reads the server's answer to the upgrade: its status line and fields, up to the empty
    // line ("" if the connection closed first).
    std::string handshake(Duration timeout = patience);

    // Connects, upgrades (101 required) and reads the welcome, the lobby's `joined` and its
    // `history`; sets the nickname to `nick` if given (and reads the nick event).
    static std::unique_ptr<WebClient> open(unsigned short http_port, std::string_view nick = {},
                                           int rcvbuf = 0);

    // Sends one text message (masked, as a browser must).
    void send_text(std::string_view text);
    void send_json(const Json& j) { send_text(j.dump()); }
    // Sends one frame as given (tests of broken framing).
    void send_frame(ws::Opcode op, std::string_view payload, bool fin = true);

    // A message or control frame from the server, its payload copied.
    struct Frame {
        ws::Incoming::Kind kind;
        std::string payload;
        std::uint16_t code = 0;  // a Close's code
    };
    // The next message or control frame from the server, or nothing when the connection
    // closed or the deadline passed.
    std::optional<Frame> next(Duration timeout = patience);
    // The next JSON message (control frames skipped; a Close ends the wait with nothing).
    std::optional<Json> next_json(Duration timeout = patience);
    // Reads JSON messages until one satisfies `pred`; returns it, or throws with what came.
    Json expect(const std::function<bool(const Json&)>& pred, Duration timeout = patience);
    // Reads until a message of `type` (and, for events, `kind`).
    Json expect_type(std::string_view type, std::string_view kind = {},
                     Duration timeout = patience);
    // Reads until the server's Close frame; its code, or nothing if the connection ended
    // without one within the deadline.
    std::optional<std::uint16_t> expect_close(Duration timeout = patience);
    // Ensures everything sent before was handled: round-trips a `rooms` with a fresh ref.
    void sync();

    const std::string& nick() const { return nick_; }

  private:
    bool fill(Duration timeout);

    ws::MessageReader reader_{1 << 24, ws::Role::client};
    std::string nick_;
    std::string received_;  // bytes read and not yet given to the reader
    unsigned syncs_ = 0;
    bool eof_ = false;
    std::vector<std::string> seen_json_;
};

}  // namespace parley::test
