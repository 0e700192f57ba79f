// Durations for people, written one way everywhere (tables, summaries, logs, failure details): seconds
// with about three significant digits, trailing zeros dropped. Reports and metrics keep their numbers.

/** 0.0423 → "0.042 s", 1.5 → "1.5 s", 12.34 → "12.3 s", 30 → "30 s", 754.2 → "754 s". */
export function formatSeconds(seconds: number): string {
  const decimals = seconds < 1 ? 3 : seconds < 10 ? 2 : seconds < 100 ? 1 : 0;
  return `${Number(seconds.toFixed(decimals))} s`;
}
