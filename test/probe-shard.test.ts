import { describe, expect, it } from 'vitest';
import { inShard, parseShard, shardOf } from '../src/probe/shard.js';

describe('parseShard', () => {
  it('reads i/n, counting i from 0', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
  });

  it.each([['3/3', 'less than n'], ['1/0', 'at least 1'], ['one/3', 'i/n']])('refuses %s naming what is wrong', (text, why) => {
    expect(() => parseShard(text)).toThrow(why);
  });
});

describe('shardOf', () => {
  it('is pinned: a new version must not move numbers between running replicas', () => {
    expect([shardOf('+15555550100', 1000), shardOf('+447700900123', 1000)]).toEqual([372, 569]);
  });

  it('spreads numbers over every shard', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`+1555555${String(i).padStart(4, '0')}`, 4)));
    expect(shards).toEqual(new Set([0, 1, 2, 3]));
  });

  it('puts every number in exactly one shard of n', () => {
    const count = 5;
    const homes = Array.from({ length: count }, (_, index) => inShard('+15555550199', { index, count }));
    expect(homes.filter(Boolean)).toHaveLength(1);
  });
});
