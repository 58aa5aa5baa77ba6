// The plain front end's input: bytes from the socket to commands. Telnet is filtered out, the
// rest is framed into lines, and each line is checked (rate, UTF-8, control characters) before
// it is parsed and carried out; every refusal is a strike, and too many strikes end the
// session.

#include <fmt/format.h>

#include "server/line_front_end.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/text.hpp"

namespace parley {

LineFrontEnd::LineFrontEnd(Session& session)
    : session_(session), line_reader_(session.state().config.max_line) {}

LineFrontEnd::~LineFrontEnd() = default;

Lines LineFrontEnd::lines() const {
    return Lines(session_.state().config.timestamps);
}

void LineFrontEnd::deliver(const Message& m) {
    session_.deliver(m);
}

void LineFrontEnd::on_bytes(std::string_view chunk) {
    std::string replies;
    const TelnetFilter::Output out = telnet_.filter(chunk, replies);
    if (!replies.empty()) {
        deliver(make_message(std::move(replies)));
    }
    line_reader_.feed(out.data, [this](LineReader::Kind kind, std::string_view line) {
        if (session_.ending()) {
            return;
        }
        session_.state().metrics.of(protocol_kind).lines_received += 1;
        if (kind == LineReader::Kind::overlong) {
            refuse("line-too-long",
                   fmt::format("lines are limited to {} bytes; the line was discarded",
                               session_.state().config.max_line));
            return;
        }
        on_line(line);
    });
    if (out.interrupt && !session_.ending()) {
        session_.finish(Ending::quit, "interrupted", lines().info("Goodbye.").done());
    }
}

void LineFrontEnd::on_line(std::string_view line) {
    if (!line.empty() && line.front() == '\x04') {  // Ctrl-D from a telnet client
        session_.finish(Ending::quit, "quit", lines().info("Goodbye.").done());
        return;
    }
    if (!session_.take_line()) {
        // Every dropped line is refused, told or not.
        session_.state().metrics.refused_line(protocol_kind, "flood");
        if (!flood_reported_) {
            flood_reported_ = true;
            deliver(lines()
                        .error("flood", fmt::format("you are sending faster than {} lines per "
                                                    "second; lines are being dropped",
                                                    session_.state().config.rate))
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

void LineFrontEnd::refuse(std::string_view code, std::string_view text) {
    error(code, text);
    strike("abuse");
}

void LineFrontEnd::error(std::string_view code, std::string_view text) {
    session_.state().metrics.refused_line(protocol_kind, code);
    deliver(lines().error(code, text).done());
}

void LineFrontEnd::strike(std::string_view reason) {
    if (session_.ending()) {
        return;
    }
    session_.strike(
        reason,
        lines().error("disconnected", fmt::format("too many refused lines ({})", reason)).done());
}

Message LineFrontEnd::farewell(Farewell why, std::string_view code, std::string_view text) {
    if (why == Farewell::shutdown) {
        return lines().notice(text).done();
    }
    return lines().error(code, text).done();
}

}  // namespace parley
