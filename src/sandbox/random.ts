// The sandbox's randomness. With a seed, every choice (delays, fates, faults, codes, ids) replays
// exactly; each concern draws from its own stream so that, say, a fault draw never shifts the carrier's
// delays. Without a seed the draws come from the operating system's CSPRNG.

import { randomBytes } from 'node:crypto';

export interface Random {
  /** A uniform integer in [0, 2^32). */
  uint32(): number;
}

/** Independent stream `stream` of the seeded generator, or the CSPRNG when there is no seed. */
export function randomStream(seed: number | undefined, stream: string): Random {
  return seed === undefined ? cryptoRandom : xoshiro128(`${seed}/${stream}`);
}

const cryptoRandom: Random = { uint32: () => randomBytes(4).readUInt32BE(0) };

/** xoshiro128** (Blackman & Vigna), its state filled by splitmix32 from a hash of the key. */
function xoshiro128(key: string): Random {
  const next = splitmix32(fnv1a(key));
  let a = next();
  let b = next();
  let c = next();
  let d = next();
  return {
    uint32() {
      const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      return result;
    },
  };
}

function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Uniform in [0, 1). */
export function uniform(random: Random): number {
  return random.uint32() / 2 ** 32;
}

/** Uniform integer in [0, n), without modulo bias. */
export function randomInt(random: Random, n: number): number {
  const limit = 2 ** 32 - (2 ** 32 % n);
  let x = random.uint32();
  while (x >= limit) x = random.uint32();
  return x % n;
}

/** `length` decimal digits; leading zeros included, as a real OTP service would send them. */
export function randomDigits(random: Random, length: number): string {
  return Array.from({ length }, () => String(randomInt(random, 10))).join('');
}

export function randomHex(random: Random, length: number): string {
  return Array.from({ length }, () => randomInt(random, 16).toString(16)).join('');
}

/** z of the standard normal's 95th percentile. */
const Z95 = 1.645;

/**
 * A log-normal draw described the way SMS latency is usually quoted, by its median and 95th percentile:
 * mu = ln(median), sigma = ln(p95 / median) / z95. Box-Muller gives the standard normal.
 */
export function logNormal(random: Random, medianMs: number, p95Ms: number): number {
  if (medianMs <= 0) return 0;
  const sigma = Math.log(p95Ms / medianMs) / Z95;
  if (sigma === 0) return medianMs;
  const u1 = 1 - uniform(random); // (0, 1]: keeps log finite
  const u2 = uniform(random);
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.exp(Math.log(medianMs) + sigma * z);
}
