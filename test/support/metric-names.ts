// The series names otp-canary's probe exposes on /metrics from its own registry (docs/metrics.md).
// Alert rules and dashboards may only query these, `up` and the recording rules in probe/rules; the
// probe's exposition test asserts that the real /metrics output matches this list.

const histogram = (name: string): string[] => [`${name}_bucket`, `${name}_sum`, `${name}_count`];

export const PROBE_SERIES_NAMES: readonly string[] = [
  'otp_canary_runs_total',
  'otp_canary_failures_total',
  'otp_canary_degraded_total',
  'otp_canary_success',
  ...histogram('otp_canary_delivery_seconds'),
  ...histogram('otp_canary_duration_seconds'),
  ...histogram('otp_canary_step_duration_seconds'),
  'otp_canary_last_run_timestamp_seconds',
  'otp_canary_last_success_timestamp_seconds',
  'otp_canary_warnings_total',
  'otp_canary_skipped_runs_total',
  'otp_canary_control_status',
  'otp_canary_info',
  'otp_canary_probe_auth_failures_total',
];

/** Series Prometheus itself writes for every scrape target. */
export const SCRAPE_SERIES_NAMES: readonly string[] = ['up'];
