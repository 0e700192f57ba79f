// The PromQL the release gate sends to read a probe's recent record: the same expressions as the
// recording rules in probe/rules/otp-canary-recording.yml, over the raw counters, so any window works
// and not only the recorded ones. Pure: names and a window in, query text out.
//
//   target runs     = runs − failures{origin="probe"}     (otp-canary's own failures are not the target's)
//   target failures = failures{origin="target"}
//   success ratio   = 1 − target failures / target runs

/** A Prometheus duration as PromQL takes it in a range selector: `90s`, `5m`, `1h30m`, `3d`. */
const PROMQL_DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** `1h30m` → 5400000; undefined for anything PromQL would not accept as a range, or a zero one. */
export function parsePromqlDuration(text: string): number | undefined {
  if (!PROMQL_DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) ms += Number(amount) * UNIT_MS[unit!]!;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

/** What check names may be (the config's rule), so a name is always a literal in a regex matcher. */
const CHECK_NAME = /^[a-z0-9][a-z0-9_.-]*$/;

export function isCheckName(text: string): boolean {
  return CHECK_NAME.test(text);
}

export interface SloQueryOptions {
  /** A PromQL duration (validated with parsePromqlDuration). */
  readonly window: string;
  /** Absent or empty: every check Prometheus has. */
  readonly checks?: readonly string[];
}

/** Every query the gate sends; each answers an instant vector. */
export interface SloQueries {
  /** Runs, by check and location. */
  readonly runs: string;
  /** Failures of otp-canary's own making, by check and location (left out of the SLI). */
  readonly probeFailures: string;
  /** Failures of the target, by check, location and reason. */
  readonly targetFailures: string;
  /** Degraded (slow but successful) runs, by check and location. */
  readonly degraded: string;
  /** The delivery histogram's cumulative buckets, by check and le: per-check and pooled counts, and the chart. */
  readonly deliveryBuckets: string;
  readonly deliveryP50: string;
  readonly deliveryP95: string;
  /** All selected checks pooled. */
  readonly pooledDeliveryP50: string;
  readonly pooledDeliveryP95: string;
}

export type SloQueryName = keyof SloQueries;

export function sloQueries(options: SloQueryOptions): SloQueries {
  const { window } = options;
  if (parsePromqlDuration(window) === undefined) throw new RangeError(`window must be a PromQL duration such as 5m, 1h or 1h30m, got "${window}"`);
  const checks = options.checks ?? [];
  for (const check of checks) {
    if (!isCheckName(check)) throw new RangeError(`check name "${check}" is not a valid check name (a-z, 0-9, "_", "." and "-")`);
  }
  // Names are [a-z0-9_.-]: only "." is special in a regex, and escaping it keeps each name literal.
  const matcher = checks.length === 0 ? '' : `check=~"${checks.map((check) => check.replace(/\./g, '\\\\.')).join('|')}"`;
  const select = (metric: string, ...matchers: string[]): string => {
    const all = [matcher, ...matchers].filter((m) => m !== '');
    return `${metric}${all.length === 0 ? '' : `{${all.join(', ')}}`}[${window}]`;
  };
  const buckets = (by: string) => `sum by (${by}) (increase(${select('otp_canary_delivery_seconds_bucket')}))`;
  return {
    runs: `sum by (check, location) (increase(${select('otp_canary_runs_total')}))`,
    probeFailures: `sum by (check, location) (increase(${select('otp_canary_failures_total', 'origin="probe"')}))`,
    targetFailures: `sum by (check, location, reason) (increase(${select('otp_canary_failures_total', 'origin="target"')}))`,
    degraded: `sum by (check, location) (increase(${select('otp_canary_degraded_total')}))`,
    deliveryBuckets: buckets('le, check'),
    deliveryP50: `histogram_quantile(0.5, ${buckets('le, check')})`,
    deliveryP95: `histogram_quantile(0.95, ${buckets('le, check')})`,
    pooledDeliveryP50: `histogram_quantile(0.5, ${buckets('le')})`,
    pooledDeliveryP95: `histogram_quantile(0.95, ${buckets('le')})`,
  };
}
