// Durations and sizes as people write them in YAML (`250ms`, `60s`, `5m`, `1h`; `512KiB`, `10MB`).
// A bare number is refused rather than guessed: `timeout: 10` could mean seconds or milliseconds, and a
// wrong guess is a silent, thousand-fold error.

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

const SIZE = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|KiB|MiB|GiB)$/;
const SIZE_UNIT_BYTES = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;

/** The JSON Schema patterns editors check against (the loader's own parsing is below). */
export const DURATION_PATTERN = DURATION.source;
export const SIZE_PATTERN = SIZE.source;

/** The longest wait a Node timer can hold (2³¹ − 1 ms, about 24.8 days): a longer one would fire at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1;
export const DURATION_TOO_LONG = `is longer than ${MAX_DURATION_MS} ms (about 24.8 days), the longest a timer can wait`;

/** `1.5s` → 1500. Returns undefined for anything that is not a non-negative number with a unit. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNIT_MS[match[2] as keyof typeof DURATION_UNIT_MS]);
}

/** `512KiB` → 524288, `10MB` → 10000000. Returns undefined for anything else. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * SIZE_UNIT_BYTES[match[2] as keyof typeof SIZE_UNIT_BYTES]);
}
