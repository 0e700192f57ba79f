// Splitting a fleet of checks across probe replicas: `--shard i/n` keeps the checks whose number hashes
// to i. The hash is of the NUMBER, not the check, so checks sharing a number land on one replica and two
// replicas never text one number at the same time. The hash is stable across versions and restarts.

import { createHash } from 'node:crypto';

export interface Shard {
  /** 0-based: `0/3`, `1/3`, `2/3` (a StatefulSet's pod ordinal fits directly). */
  readonly index: number;
  readonly count: number;
}

/** `"1/3"` → `{ index: 1, count: 3 }`; throws RangeError naming what is wrong. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) throw new RangeError(`--shard must look like i/n (e.g. 0/3), got "${text}"`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) throw new RangeError(`--shard ${text}: n must be at least 1`);
  if (index >= count) throw new RangeError(`--shard ${text}: i counts from 0 and must be less than n (${count})`);
  return { index, count };
}

/** The shard (0 … count-1) a test number belongs to. */
export function shardOf(number: string, count: number): number {
  return createHash('sha256').update(number).digest().readUInt32BE(0) % count;
}

export function inShard(number: string, shard: Shard | undefined): boolean {
  return shard === undefined || shardOf(number, shard.count) === shard.index;
}
