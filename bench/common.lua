-- Shared by the wrk scenarios: prints one JSON line with the figures at the end.
-- Errors are non-2xx/3xx responses plus socket errors (connect, read, write, timeout).
function done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.timeout + e.status
   io.write(string.format(
      'WRK_RESULT {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"mean_ms":%.3f,"errors":%d}\n',
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000, errors))
end
