#pragma once
// Prometheus' text exposition format, version 0.0.4: families of samples, each family with its
// # HELP and # TYPE lines, label values escaped as the format requires.
//
//     PrometheusText out;
//     out.family("parley_bytes_received_total", PrometheusText::counter, "Bytes read.");
//     out.sample({{"protocol", "plain"}}, 1234);
//     out.sample({{"protocol", "irc"}}, 99);
//     std::string body = out.take();
//
// A family is written once, its samples right after it (the format wants a family's samples
// together). Names are the caller's constants; only label values and help texts are escaped.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace parley {

class PrometheusText {
  public:
    enum Type { counter, gauge, summary };
    struct Label {
        std::string_view name;
        std::string_view value;
    };

    // Begins the family `name`: its HELP and TYPE lines. Samples that follow belong to it.
    PrometheusText& family(std::string_view name, Type type, std::string_view help);

    // One sample of the current family, named as the family (or with `suffix`, e.g. "_sum" and
    // "_count" of a summary).
    PrometheusText& sample(std::initializer_list<Label> labels, std::uint64_t value) {
        return sample_with("", labels, value);
    }
    PrometheusText& sample(std::initializer_list<Label> labels, double value) {
        return sample_with("", labels, value);
    }
    PrometheusText& sample_with(std::string_view suffix, std::initializer_list<Label> labels,
                                std::uint64_t value);
    PrometheusText& sample_with(std::string_view suffix, std::initializer_list<Label> labels,
                                double value);

    const std::string& text() const { return out_; }
    std::string take() { return std::move(out_); }

    // The format's content type, for the HTTP response.
    static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

  private:
    void begin_sample(std::string_view suffix, std::initializer_list<Label> labels);

    std::string out_;
    std::string name_;
};

}  // namespace parley
