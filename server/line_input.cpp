// A session's input: bytes from the socket to commands. Telnet is filtered out, the rest is
// framed into lines, and each line is checked (rate, UTF-8, control characters) before it is
// parsed and handled; every refusal is a strike, and too many strikes end the session.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "server/lines.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/text.hpp"

namespace parley {

void Session::on_bytes(std::string_view chunk) {
    std::string replies;
    const TelnetFilter::Output out = telnet_.filter(chunk, replies);
    if (!replies.empty()) {
        deliver(make_message(std::move(replies)));
    }
    line_reader_.feed(out.data, [this](LineReader::Kind kind, std::string_view line) {
        if (ending_) {
            return;
        }
        if (kind == LineReader::Kind::overlong) {
            refuse("line-too-long",
                   fmt::format("lines are limited to {} bytes; the line was discarded",
                               state_.config.max_line));
            return;
        }
        on_line(line);
    });
    if (out.interrupt && !ending_) {
        finish("interrupted", lines().info("Goodbye.").done());
    }
}

void Session::on_line(std::string_view line) {
    if (!line.empty() && line.front() == '\x04') {  // Ctrl-D from a telnet client
        finish("quit", lines().info("Goodbye.").done());
        return;
    }
    if (!rate_.try_take(state_.line_rate, clock::now())) {
        if (!flood_reported_) {
            flood_reported_ = true;
            deliver(lines()
                        .error("flood", fmt::format("you are sending faster than {} lines per "
                                                    "second; lines are being dropped",
                                                    state_.config.rate))
                        .done());
        }
        strike("flooding");
        return;
    }
    flood_reported_ = false;
    switch (check_text(line)) {
        case TextProblem::invalid_utf8:
            refuse("bad-utf8", "the line is not valid UTF-8 and was discarded");
            return;
        case TextProblem::control:
            refuse("control-character",
                   "the line contains a control character or escape sequence and was discarded");
            return;
        case TextProblem::none:
            break;
    }
    std::visit([this](const auto& c) { handle(c); }, cmd::parse(line));
}

void Session::refuse(std::string_view code, std::string_view text) {
    deliver(lines().error(code, text).done());
    strike("abuse");
}

void Session::strike(std::string_view reason) {
    if (ending_ || strikes_.try_take(state_.strike_rate, clock::now())) {
        return;
    }
    spdlog::warn("disconnect {} {}: {}", peer(), nick(), reason);
    finish(
        reason,
        lines().error("disconnected", fmt::format("too many refused lines ({})", reason)).done());
}

}  // namespace parley
