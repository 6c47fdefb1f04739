import GatewayCore
import GatewayDomain
import GatewayHTTP

/// `# HELP` text of every metric family, written before its `# TYPE` line (swift-metrics
/// has no place for it). A family missing here still gets a generic line, so scrapers and
/// the reference's format test always find one.
package enum MetricHelp {
    package static let text: [String: String] = [
        "gateway_bot_calls_total": "Bot calls by bot and outcome.",
        "gateway_bot_latency_seconds": "Duration of successful bot calls.",
        "gateway_bot_time_to_first_token_seconds": "Time from a bot call to its first output.",
        "gateway_bot_tokens_total": "Tokens reported by bots, by direction.",
        "gateway_bot_deployment_calls_total": "Attempts sent to each deployment of a bot served by several.",
        "gateway_bot_deployment_failures_total": "Attempts on each deployment of a bot that failed (the call may have moved on).",
        "gateway_bot_deployment_active_calls": "Attempts running on each deployment of a bot now.",
        "gateway_bot_deployment_circuit_open": "1 while a deployment's circuit breaker is open or half-open, else 0.",
        "gateway_bot_upstream_connections_total":
            "Connections bots opened to their upstreams (reused connections are not counted again).",
        "gateway_build_info": "Version and revision of the running gateway (always 1).",
        "gateway_chat_turns_not_stored_total": "Finished chat turns that could not be stored (answered 503 or an SSE error).",
        "gateway_bot_unknown_outcomes_total":
            "Failed bot calls charged as if they ran: the request went out and the upstream may have processed it (timeout, 5xx).",
        "gateway_db_errors_total": "Database errors by SQLSTATE class.",
        "gateway_token_counts_total":
            "Token counts answered (POST /v1/messages/count_tokens), by the model's service (upstream) or estimated.",
        "gateway_db_pool_connections": "Database pool connections by state.",
        "gateway_db_pool_wait_seconds": "Time spent waiting for a database connection.",
        "gateway_db_pool_waiting": "Callers waiting for a database connection.",
        "gateway_hash_jobs_total": "Password hashing jobs refused (queue full) or dropped (client gone).",
        "gateway_http_request_duration_seconds": "HTTP request duration by route.",
        "gateway_http_requests_in_flight": "HTTP requests being handled.",
        "gateway_http_requests_total": "HTTP requests by route, method and status.",
        "gateway_process_open_fds": "Open file descriptors.",
        "gateway_process_resident_memory_bytes": "Resident memory.",
        "gateway_process_start_time_seconds": "Process start time, seconds since the epoch.",
        "gateway_process_threads": "Threads of the process.",
        "gateway_security_events_total": "Security events by type.",
        "gateway_streams_open": "Open streaming responses.",
        "gateway_streams_refused_total": "Streams refused by reason (per-user or total limit, shutdown).",
    ]

    /// The exposition with a `# HELP` line before each `# TYPE` line.
    package static func annotate(_ exposition: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(exposition.count + 4096)
        for line in exposition.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.starts(with: Array("# TYPE ".utf8)) {
                let name = String(decoding: line.dropFirst(7).prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                out += Array("# HELP \(name) \(text[name] ?? "Gateway metric \(name).")\n".utf8)
            }
            out += line
            out.append(UInt8(ascii: "\n"))
        }
        if exposition.last == UInt8(ascii: "\n") { out.removeLast() }
        return out
    }
}
