#pragma once
// Splits a TCP byte stream into lines.
//
// A line ends at LF; one CR before the LF is dropped, so both LF and CRLF clients work.
// Lines are handed out as views: into the caller's chunk when the whole line arrived in it
// (the common case, no copy), or into the reader's own buffer when it spanned chunks.
//
// Memory is bounded by `max_line`: once a line grows past it the reader reports it once as
// overlong and discards everything up to and including the next LF. A max_line of 0 means
// unlimited (benchmarks only).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace parley {

class LineReader {
  public:
    enum class Kind { line, overlong };

    // max_line: the longest line's bytes, without its terminator; 0 = unlimited. Limits past
    // 4 GiB count as unlimited.
    explicit LineReader(std::size_t max_line)
        : max_line_(max_line > UINT32_MAX ? 0 : static_cast<std::uint32_t>(max_line)) {}

    // Calls sink(Kind, std::string_view) for every complete line in `chunk` (and for every
    // line that became overlong). The view is valid only during the call.
    template <class Sink>
    void feed(std::string_view chunk, Sink&& sink) {
        while (!chunk.empty()) {
            const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
            if (nl == nullptr) {
                keep_partial(chunk, sink);
                return;
            }
            const std::size_t len = static_cast<const char*>(nl) - chunk.data();
            std::string_view head = chunk.substr(0, len);
            chunk.remove_prefix(len + 1);
            if (discarding_) {
                discarding_ = false;
                continue;
            }
            if (!partial_) {
                deliver(head, sink);
            } else {
                // Bounded: partial_ holds at most max_line + 1 bytes, head at most one chunk.
                partial_->append(head);
                deliver(*partial_, sink);
                partial_.reset();
            }
        }
    }

    // Bytes held for an unfinished line (for tests and memory accounting).
    std::size_t pending() const { return partial_ ? partial_->size() : 0; }

  private:
    bool too_long(std::size_t n) const { return max_line_ != 0 && n > max_line_; }

    template <class Sink>
    void deliver(std::string_view line, Sink& sink) {
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        // The limit applies to the line's text, not its terminator.
        if (too_long(line.size())) {
            sink(Kind::overlong, std::string_view{});
            return;
        }
        sink(Kind::line, line);
    }

    template <class Sink>
    void keep_partial(std::string_view rest, Sink& sink) {
        if (discarding_) {
            return;
        }
        // +1 leaves room for the CR of a CRLF that may still arrive.
        const std::size_t held = pending() + rest.size();
        if (too_long(held) && !(held == max_line_ + 1 && rest.back() == '\r')) {
            partial_.reset();
            discarding_ = true;
            sink(Kind::overlong, std::string_view{});
            return;
        }
        if (!partial_) {
            partial_ = std::make_unique<std::string>();
        }
        partial_->append(rest);
    }

    // 32 bits: this object sits in every connection.
    std::uint32_t max_line_;
    // The start of a line whose end has not come yet. Allocated only while there is one, and
    // released as soon as the line is complete: an idle connection holds no buffer here.
    std::unique_ptr<std::string> partial_;
    bool discarding_ = false;
};

}  // namespace parley
