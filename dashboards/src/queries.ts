// PromQL shared by the otp-canary dashboards. Only Grafana variables ($check, $location, $window,
// $__interval, $__range) make them dashboard-specific; substitute those and they run in Prometheus.
// The SLI matches probe/rules/otp-canary-recording.yml: probe-origin failures count neither as
// failures nor as runs.

/** Series labelled with both check and location. */
export const SELECTOR = 'check=~"$check", location=~"$location"';
/** Series labelled with check only (skipped runs, anti-abuse controls). */
export const CHECK_SELECTOR = 'check=~"$check"';

/** The same job selector as the OtpCanaryProbeDown alert: named after otp-canary, or known by its info series. */
export const PROBE_UP = 'up{job=~".*otp[-_]?canary.*"} or on (job, instance) (up and on (job, instance) last_over_time(otp_canary_info[1d]))';

function increaseBy(labels: string, metric: string, selector: string, range: string): string {
  return `sum by (${labels}) (increase(${metric}{${selector}}[${range}]))`;
}

/** Target-side success ratio per check and location over `range`. */
export function successRatio(range: string): string {
  const targetFailures = increaseBy('check, location', 'otp_canary_failures_total', `${SELECTOR}, origin="target"`, range);
  const runs = increaseBy('check, location', 'otp_canary_runs_total', SELECTOR, range);
  const probeFailures = increaseBy('check, location', 'otp_canary_failures_total', `${SELECTOR}, origin="probe"`, range);
  return `1 - ${targetFailures} / (${runs} - ${probeFailures})`;
}

/** A quantile of a histogram per `labels` over `range`. */
export function quantile(q: number, histogram: string, labels: string, range: string): string {
  return `histogram_quantile(${q}, sum by (le, ${labels}) (rate(${histogram}_bucket{${SELECTOR}}[${range}])))`;
}

/** Events of a counter per `labels` in each $__interval, for stacked bars. */
export function countPerInterval(metric: string, labels: string, selector = SELECTOR): string {
  return increaseBy(labels, metric, selector, '$__interval');
}

/** Cumulative histogram buckets per $__interval, for heatmaps (Grafana turns them into per-bucket counts). */
export function bucketsPerInterval(histogram: string, range = '$__interval'): string {
  return `sum by (le) (increase(${histogram}_bucket{${SELECTOR}}[${range}]))`;
}

export const CONTROL_MAPPINGS = [
  {
    type: 'value',
    options: {
      '1': { text: 'passed', color: 'green', index: 0 },
      '0': { text: 'violated', color: 'red', index: 1 },
      '-1': { text: 'inconclusive', color: 'yellow', index: 2 },
    },
  },
];
