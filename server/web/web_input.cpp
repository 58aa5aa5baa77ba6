// The web front end's input: bytes from the socket to WebSocket messages (shared/websocket),
// each text message a JSON command (shared/web/command). Every message is taken from the
// client's --rate like a line; what is refused is answered with an `error` and may be a
// strike; broken framing ends the session with RFC 6455's close code.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/server_state.hpp"
#include "server/session.hpp"
#include "server/web/web_front_end.hpp"
#include "server/web/web_json.hpp"
#include "shared/text.hpp"

namespace parley {

std::size_t WebFrontEnd::max_message(std::size_t max_line) {
    return std::max<std::size_t>(16 * 1024, 2 * max_line + 1024);
}

WebFrontEnd::WebFrontEnd(Session& session)
    : session_(session), reader_(max_message(session.state().config.max_line), ws::Role::server) {}

WebFrontEnd::~WebFrontEnd() = default;

void WebFrontEnd::send(const nlohmann::ordered_json& j) {
    session_.deliver(web::text_frame(j));
}

void WebFrontEnd::on_bytes(std::string_view bytes) {
    reader_.feed(bytes);
    ws::Incoming in;
    while (!session_.ending() && reader_.next(in)) {
        switch (in.kind) {
            case ws::Incoming::Kind::text:
                session_.state().metrics.of(protocol_kind).lines_received += 1;
                on_message(in.payload);
                break;
            case ws::Incoming::Kind::binary:
                close(ws::close_code::unsupported_data, "binary messages are not understood",
                      Ending::protocol);
                break;
            case ws::Incoming::Kind::ping:
                // A pong with the ping's payload (RFC 6455 5.5.2), in the outbox's order.
                session_.deliver(make_message(ws::frame(ws::Opcode::pong, in.payload)));
                break;
            case ws::Incoming::Kind::pong:
                break;  // unsolicited, or an answer to nothing we asked: ignored (5.5.3)
            case ws::Incoming::Kind::close: {
                // The closing handshake (5.5.1): the client's code echoed, then the
                // connection ends once that frame is written.
                const std::uint16_t code =
                    in.code == ws::close_code::no_status ? ws::close_code::normal : in.code;
                session_.finish(Ending::quit, "closed the page",
                                make_message(ws::close_frame(code, "")));
                break;
            }
            case ws::Incoming::Kind::failure:
                session_.state().metrics.refused_line(protocol_kind, "protocol-error");
                spdlog::warn("disconnect {} {}: {}", session_.peer(), session_.nick(), in.problem);
                close(in.code, in.problem, Ending::protocol);
                break;
        }
    }
}

void WebFrontEnd::on_message(std::string_view json) {
    if (!session_.take_line()) {
        // Every dropped command is refused, told or not.
        session_.state().metrics.refused_line(protocol_kind, "flood");
        if (!flood_reported_) {
            flood_reported_ = true;
            send({{"type", "error"},
                  {"code", "flood"},
                  {"text", fmt::format("you are sending faster than {} commands per second; "
                                       "commands are being dropped",
                                       session_.state().config.rate)}});
        }
        session_.strike("flooding",
                        make_message(ws::close_frame(ws::close_code::policy_violation,
                                                     "too many refused commands (flooding)")));
        return;
    }
    flood_reported_ = false;
    auto parsed = web::parse_command(json);
    if (auto* refusal = std::get_if<web::Refusal>(&parsed)) {
        // JSON that is not JSON is a broken or hostile client; a command the server does not
        // know, or one without its fields, may be a newer client's: told, not held against it.
        error(refusal->code, refusal->text, refusal->ref, refusal->code == "bad-json");
        return;
    }
    carry_out(std::get<web::Command>(parsed));
}

void WebFrontEnd::close(std::uint16_t code, std::string_view reason, Ending cause) {
    session_.finish(cause, reason, make_message(ws::close_frame(code, reason)));
}

void WebFrontEnd::error(std::string_view code, std::string_view text, const std::string& ref,
                        bool strike) {
    session_.state().metrics.refused_line(protocol_kind, code);
    web::Json j = {{"type", "error"}, {"code", code}, {"text", text}};
    web::set_ref(j, ref);
    send(j);
    if (strike && !session_.ending()) {
        session_.strike("abuse",
                        make_message(ws::close_frame(ws::close_code::policy_violation,
                                                     "too many refused commands (abuse)")));
    }
}

bool WebFrontEnd::acceptable(std::string_view text, const std::string& ref) {
    const std::size_t max = session_.state().config.max_line;
    if (text.size() > max) {
        error("text-too-long", fmt::format("text is limited to {} bytes", max), ref, true);
        return false;
    }
    switch (check_text(text)) {
        case TextProblem::invalid_utf8:  // JSON strings are UTF-8; kept for the same rules
            error("bad-utf8", "the text is not valid UTF-8", ref, true);
            return false;
        case TextProblem::control:
            error("control-character", "the text contains a control character or escape sequence",
                  ref, true);
            return false;
        case TextProblem::none:
            break;
    }
    return true;
}

// Proxies and NAT boxes drop connections that stay quiet for a minute or so (nginx's default
// proxy_read_timeout is 60 s): a ping after 30 s of silence keeps an open page's connection
// alive. Browsers answer pings by themselves, and the pong counts as input, so an open page
// never reaches --idle-timeout while a closed one, or a dead peer, does.
void WebFrontEnd::on_idle(std::chrono::steady_clock::duration silent) {
    const auto keepalive = from_seconds(session_.state().config.web_ping_interval);
    if (silent < keepalive) {
        pings_ = 0;
    } else if (silent >= keepalive * (pings_ + 1) && pings_ < 255) {
        ++pings_;
        session_.deliver(make_message(ws::frame(ws::Opcode::ping, {})));
    }
}

Message WebFrontEnd::farewell(Farewell why, std::string_view code, std::string_view text) {
    switch (why) {
        case Farewell::shutdown:
            return make_message(ws::close_frame(ws::close_code::going_away, text));
        case Farewell::idle:
            return make_message(ws::close_frame(ws::close_code::going_away, text));
        case Farewell::refused:
            break;
    }
    return make_message(
        ws::close_frame(ws::close_code::try_again_later, fmt::format("{}: {}", code, text)));
}

}  // namespace parley
