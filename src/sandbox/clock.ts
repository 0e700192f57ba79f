// Timestamps the ground truth records. Durations come from the monotonic clock only; the epoch value is
// the same monotonic instant placed on the wall clock (performance.timeOrigin + now), so two of them can
// be subtracted safely, and the ISO form is the system wall clock for humans and `since` filters.

export interface Instant {
  /** performance.now(): for durations inside this process. */
  readonly mono: number;
  /** performance.timeOrigin + mono: a high-resolution epoch in milliseconds. */
  readonly epochMs: number;
  /** The wall clock, ISO 8601. */
  readonly iso: string;
  /** The wall clock in epoch milliseconds, comparable with other hosts' `Date`s. */
  readonly wallMs: number;
}

export function instant(): Instant {
  const mono = performance.now();
  const wallMs = Date.now();
  return { mono, epochMs: performance.timeOrigin + mono, iso: new Date(wallMs).toISOString(), wallMs };
}
