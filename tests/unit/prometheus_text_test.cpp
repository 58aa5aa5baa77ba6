#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "shared/prometheus_text.hpp"

using parley::PrometheusText;

TEST_CASE("prometheus: a family is its HELP and TYPE lines, then its samples") {
    PrometheusText out;
    out.family("parley_lines_received_total", PrometheusText::counter, "Lines read.")
        .sample({{"protocol", "plain"}}, std::uint64_t{3})
        .sample({{"protocol", "irc"}}, std::uint64_t{0});
    out.family("parley_rooms", PrometheusText::gauge, "Rooms.").sample({}, std::uint64_t{1});
    CHECK(out.take() ==
          "# HELP parley_lines_received_total Lines read.\n"
          "# TYPE parley_lines_received_total counter\n"
          "parley_lines_received_total{protocol=\"plain\"} 3\n"
          "parley_lines_received_total{protocol=\"irc\"} 0\n"
          "# HELP parley_rooms Rooms.\n"
          "# TYPE parley_rooms gauge\n"
          "parley_rooms 1\n");
}

TEST_CASE("prometheus: label values and help are escaped") {
    PrometheusText out;
    out.family("x", PrometheusText::gauge, "a \\ b\nc \"q\"")
        .sample({{"a", "1"}, {"b", "say \"hi\"\\\n"}}, std::uint64_t{1});
    CHECK(out.text() ==
          "# HELP x a \\\\ b\\nc \"q\"\n"
          "# TYPE x gauge\n"
          "x{a=\"1\",b=\"say \\\"hi\\\"\\\\\\n\"} 1\n");
}

TEST_CASE("prometheus: doubles are written as the format reads them") {
    PrometheusText out;
    out.family("s", PrometheusText::summary, "Latency.")
        .sample_with("_sum", {}, 0.25)
        .sample_with("_count", {}, std::uint64_t{18446744073709551615u})
        .sample({{"q", "nan"}}, std::nan(""))
        .sample({{"q", "inf"}}, std::numeric_limits<double>::infinity())
        .sample({{"q", "-inf"}}, -std::numeric_limits<double>::infinity())
        .sample({}, 1e-9);
    CHECK(out.text() ==
          "# HELP s Latency.\n"
          "# TYPE s summary\n"
          "s_sum 0.25\n"
          "s_count 18446744073709551615\n"
          "s{q=\"nan\"} NaN\n"
          "s{q=\"inf\"} +Inf\n"
          "s{q=\"-inf\"} -Inf\n"
          "s 1e-09\n");
}
