#include "shared/prometheus_text.hpp"

#include <fmt/format.h>

#include <cmath>

namespace parley {

namespace {

// HELP text: backslash and line feed escaped. Label values: double quote as well.
void append_escaped(std::string& out, std::string_view s, bool quote) {
    for (char c : s) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && quote) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

std::string_view type_name(PrometheusText::Type t) {
    switch (t) {
        case PrometheusText::counter:
            return "counter";
        case PrometheusText::gauge:
            return "gauge";
        case PrometheusText::summary:
            return "summary";
    }
    return "untyped";
}

}  // namespace

PrometheusText& PrometheusText::family(std::string_view name, Type type, std::string_view help) {
    name_.assign(name);
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    append_escaped(out_, help, false);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type_name(type);
    out_ += '\n';
    return *this;
}

void PrometheusText::begin_sample(std::string_view suffix, std::initializer_list<Label> labels) {
    out_ += name_;
    out_ += suffix;
    if (labels.size() != 0) {
        out_ += '{';
        bool first = true;
        for (const Label& l : labels) {
            if (!first) {
                out_ += ',';
            }
            first = false;
            out_ += l.name;
            out_ += "=\"";
            append_escaped(out_, l.value, true);
            out_ += '"';
        }
        out_ += '}';
    }
    out_ += ' ';
}

PrometheusText& PrometheusText::sample_with(std::string_view suffix,
                                            std::initializer_list<Label> labels,
                                            std::uint64_t value) {
    begin_sample(suffix, labels);
    fmt::format_to(std::back_inserter(out_), "{}\n", value);
    return *this;
}

PrometheusText& PrometheusText::sample_with(std::string_view suffix,
                                            std::initializer_list<Label> labels, double value) {
    begin_sample(suffix, labels);
    if (std::isnan(value)) {
        out_ += "NaN\n";
    } else if (std::isinf(value)) {
        out_ += value > 0 ? "+Inf\n" : "-Inf\n";
    } else {
        // The shortest form that reads back as the same double.
        fmt::format_to(std::back_inserter(out_), "{}\n", value);
    }
    return *this;
}

}  // namespace parley
