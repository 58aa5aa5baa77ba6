#include "server/metrics_exposition.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "server/process_stats.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "server/store/history.hpp"
#include "shared/prometheus_text.hpp"

#ifndef PARLEY_VERSION
#define PARLEY_VERSION "unknown"
#endif

namespace parley {

namespace {

constexpr std::array<Protocol, protocol_count> all_protocols = {Protocol::plain, Protocol::irc,
                                                                Protocol::web};

std::string_view tls_label(std::size_t tls) {
    return tls != 0 ? "true" : "false";
}

// A family with one sample per protocol, of a counter of Metrics::PerProtocol.
void per_protocol(PrometheusText& out, const Metrics& m, std::string_view name,
                  std::string_view help, std::uint64_t Metrics::PerProtocol::*field) {
    out.family(name, PrometheusText::counter, help);
    for (Protocol p : all_protocols) {
        out.sample({{"protocol", parley::name(p)}}, m.of(p).*field);
    }
}

// The history store's counters (--data-dir not none): atomics the storage thread writes, read
// here on the loop; relaxed is enough, as each is a figure of its own.
void expose_history(PrometheusText& out, const store::StoreStats& st) {
    auto get = [](const std::atomic<std::uint64_t>& a) {
        return a.load(std::memory_order_relaxed);
    };
    constexpr double ns = 1e-9;
    out.family("parley_history_queue_depth", PrometheusText::gauge,
               "Events waiting for the storage thread now.")
        .sample({}, get(st.queue_depth));
    out.family("parley_history_events_written_total", PrometheusText::counter,
               "Events committed to the history database.")
        .sample({}, get(st.events_written));
    out.family("parley_history_events_dropped_total", PrometheusText::counter,
               "Events not stored because the storage thread's queue was full.")
        .sample({}, get(st.events_dropped));
    out.family("parley_history_batches_total", PrometheusText::counter,
               "Transactions the storage thread committed.")
        .sample({}, get(st.batches));
    out.family("parley_history_commit_seconds", PrometheusText::summary,
               "Time spent writing and committing batches.")
        .sample_with("_sum", {}, static_cast<double>(get(st.commit_ns_sum)) * ns)
        .sample_with("_count", {}, get(st.batches));
    out.family("parley_history_commit_seconds_max", PrometheusText::gauge,
               "The longest batch commit so far.")
        .sample({}, static_cast<double>(get(st.commit_ns_max)) * ns);
    out.family("parley_history_reads_total", PrometheusText::counter,
               "History queries answered (re-created rooms, /history, CHATHISTORY).")
        .sample({}, get(st.reads));
    out.family("parley_history_errors_total", PrometheusText::counter,
               "Batches or queries that failed.")
        .sample({}, get(st.errors));
    out.family("parley_history_thread_cpu_seconds_total", PrometheusText::counter,
               "CPU time of the storage thread.")
        .sample({}, static_cast<double>(get(st.thread_cpu_ns)) * ns);
}

}  // namespace

std::string expose_metrics(const ServerState& state, std::size_t http_connections) {
    const Metrics& m = state.metrics;
    PrometheusText out;
    out.family("parley_build_info", PrometheusText::gauge,
               "Always 1; the version of the running server is its label.")
        .sample({{"version", PARLEY_VERSION}}, std::uint64_t{1});
    const std::chrono::duration<double> up = std::chrono::system_clock::now() - state.started;
    out.family("parley_uptime_seconds", PrometheusText::gauge, "Seconds since the server started.")
        .sample({}, up.count());

    // Connections now, and the outboxes' bytes: one walk of the sessions.
    std::array<std::array<std::uint64_t, 2>, protocol_count> open{};
    std::uint64_t queued = 0, largest = 0;
    state.registry.for_each([&](const Session& s) {
        open[static_cast<std::size_t>(s.protocol())][s.secure() ? 1 : 0] += 1;
        queued += s.unread_bytes();
        largest = std::max<std::uint64_t>(largest, s.unread_bytes());
    });
    out.family("parley_connections", PrometheusText::gauge,
               "Clients connected now (admitted sessions, after any TLS handshake).");
    for (Protocol p : all_protocols) {
        for (std::size_t tls : {0, 1}) {
            out.sample({{"protocol", name(p)}, {"tls", tls_label(tls)}},
                       open[static_cast<std::size_t>(p)][tls]);
        }
    }
    out.family("parley_connections_accepted_total", PrometheusText::counter,
               "Connections accepted, refused ones included.");
    for (Protocol p : all_protocols) {
        for (std::size_t tls : {0, 1}) {
            out.sample({{"protocol", name(p)}, {"tls", tls_label(tls)}}, m.of(p).accepted[tls]);
        }
    }
    out.family("parley_connections_refused_total", PrometheusText::counter,
               "Connections accepted and then refused, by reason.");
    for (Protocol p : all_protocols) {
        for (std::size_t r = 0; r < static_cast<std::size_t>(Refusal::count); ++r) {
            out.sample({{"protocol", name(p)}, {"reason", name(static_cast<Refusal>(r))}},
                       m.of(p).refused[r]);
        }
    }
    out.family("parley_disconnects_total", PrometheusText::counter,
               "Sessions ended, by the first reason they ended for.");
    for (Protocol p : all_protocols) {
        for (std::size_t e = 0; e < static_cast<std::size_t>(Ending::count); ++e) {
            out.sample({{"protocol", name(p)}, {"reason", name(static_cast<Ending>(e))}},
                       m.of(p).ended[e]);
        }
    }
    per_protocol(out, m, "parley_evictions_total",
                 "Clients disconnected for not reading (outbox past --outbox-bytes, or the "
                 "furthest behind with all outboxes past --outbox-total).",
                 &Metrics::PerProtocol::evictions);

    std::uint64_t members = 0;
    const auto rooms = state.rooms.list();
    for (const Room* room : rooms) {
        members += room->size();
    }
    out.family("parley_rooms", PrometheusText::gauge, "Rooms (IRC channels) now, #lobby included.")
        .sample({}, std::uint64_t{rooms.size()});
    out.family("parley_room_members", PrometheusText::gauge,
               "Room memberships now, summed over the rooms.")
        .sample({}, members);
    // Every session holds a nickname from its first moment (a guest name until it picks one),
    // so after everyone leaves this is 0: a nickname left here is a leaked Registration.
    out.family("parley_nicknames", PrometheusText::gauge,
               "Nicknames held now (guest names included), one per session.")
        .sample({}, std::uint64_t{state.registry.size()});

    per_protocol(out, m, "parley_lines_received_total",
                 "Lines received from clients, refused ones included.",
                 &Metrics::PerProtocol::lines_received);
    out.family("parley_refused_lines_total", PrometheusText::counter,
               "Lines answered with an error instead of being carried out, by error code "
               "(plain: the !!! code; IRC: the error numeric or FAIL code).");
    for (Protocol p : all_protocols) {
        for (const auto& [code, n] : m.of(p).refused_lines) {
            out.sample({{"protocol", name(p)}, {"code", code}}, n);
        }
    }
    per_protocol(out, m, "parley_messages_total",
                 "Messages said to a room (text, actions, notices), by the sender's protocol.",
                 &Metrics::PerProtocol::messages);
    out.family("parley_deliveries_total", PrometheusText::counter,
               "Messages queued in clients' outboxes: each room message once per recipient, "
               "and every reply and notice.")
        .sample({}, state.wakes.queued());
    per_protocol(out, m, "parley_bytes_received_total",
                 "Bytes read from clients (after TLS decryption).",
                 &Metrics::PerProtocol::bytes_received);
    per_protocol(out, m, "parley_bytes_sent_total", "Bytes written to clients (before TLS).",
                 &Metrics::PerProtocol::bytes_sent);
    out.family("parley_outbox_bytes", PrometheusText::gauge,
               "Bytes queued for clients and not yet written, in all outboxes.")
        .sample({}, queued);
    out.family("parley_outbox_bytes_max", PrometheusText::gauge,
               "Bytes queued in the fullest outbox.")
        .sample({}, largest);
    const OutboxBudget& budget = state.wakes.budget();
    out.family("parley_outbox_held_bytes", PrometheusText::gauge,
               "Memory the outboxes hold: each queued message once however many share it, "
               "queue storage, and writers' copies of what the socket did not take.")
        .sample({}, std::uint64_t{budget.held()});
    out.family("parley_outbox_held_bytes_max", PrometheusText::gauge,
               "The most the outboxes held at once since the start.")
        .sample({}, std::uint64_t{budget.peak()});
    out.family("parley_outbox_budget_bytes", PrometheusText::gauge,
               "The outboxes' budget (--outbox-total); 0: none.")
        .sample({}, std::uint64_t{budget.limit()});
    out.family("parley_outbox_budget_evictions_total", PrometheusText::counter,
               "Clients evicted as the furthest behind to keep within --outbox-total (also "
               "in parley_evictions_total).")
        .sample({}, budget.evictions());

    out.family("parley_http_connections", PrometheusText::gauge,
               "Connections to the metrics listener now.")
        .sample({}, std::uint64_t{http_connections});
    out.family("parley_http_connections_total", PrometheusText::counter,
               "Connections the metrics listener served (not those refused with 503).")
        .sample({}, m.http_connections);
    out.family("parley_http_responses_total", PrometheusText::counter,
               "Responses of the metrics listener, by status.");
    for (const auto& [status, n] : m.http_responses) {
        out.sample({{"code", std::to_string(status)}}, n);
    }

    if (const History* history = state.rooms.history()) {
        expose_history(out, history->stats());
    }

    if (const auto p = read_process_stats()) {
        out.family("process_cpu_seconds_total", PrometheusText::counter,
                   "User and system CPU time spent, in seconds.")
            .sample({}, p->cpu_seconds);
        out.family("process_resident_memory_bytes", PrometheusText::gauge,
                   "Resident memory size in bytes.")
            .sample({}, p->resident_bytes);
        out.family("process_virtual_memory_bytes", PrometheusText::gauge,
                   "Virtual memory size in bytes.")
            .sample({}, p->virtual_bytes);
        out.family("process_open_fds", PrometheusText::gauge, "Open file descriptors.")
            .sample({}, p->open_fds);
        out.family("process_max_fds", PrometheusText::gauge,
                   "The most file descriptors the process may open.")
            .sample({}, p->max_fds);
        out.family("process_start_time_seconds", PrometheusText::gauge,
                   "Start time of the process since the Unix epoch, in seconds.")
            .sample({}, p->start_time_seconds);
    }
    return out.take();
}

}  // namespace parley
