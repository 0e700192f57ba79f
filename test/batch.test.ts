import { describe, expect, it } from 'vitest';
import { runBatch, type BatchItem, type BatchOptions, type BatchResult } from '../src/core/batch.js';
import { NumberLeases } from '../src/core/lease.js';
import type { CheckProviders } from '../src/core/providers.js';
import { checkSpec, FakeClock, TEST_NUMBER, fakeWorld, settleMicrotasks } from './support/fake-providers.js';

// Each run: trigger 300 ms, SMS 2 s after the send, verify 200 ms: 2.2 s under the lease. No resend
// window in these worlds, so back-to-back runs on one number are all accepted.

/** Counts journeys between their send and their verify's answer, across every provider it wraps. */
class InFlight {
  now = 0;
  most = 0;

  wrap(providers: CheckProviders): CheckProviders {
    return {
      inbox: providers.inbox,
      trigger: {
        type: providers.trigger.type,
        send: (ctx) => {
          this.now += 1;
          this.most = Math.max(this.most, this.now);
          return providers.trigger.send(ctx);
        },
      },
      verifier: {
        type: providers.verifier.type,
        verify: (ctx) => providers.verifier.verify(ctx).finally(() => (this.now -= 1)),
      },
    };
  }
}

function items(clock: FakeClock, numbers: string[], inFlight = new InFlight()): BatchItem[] {
  return numbers.map((number, i) => ({
    spec: checkSpec({ name: `check-${i}`, number, policy: { ttlMs: 300_000, resendWindowMs: 0, maxAttempts: 3 } }),
    providers: inFlight.wrap(fakeWorld({ clock, otp: { resendWindowMs: 0 } }).providers),
  }));
}

function batch(clock: FakeClock, batchItems: BatchItem[], options: Omit<BatchOptions, 'clock' | 'sleep'>): Promise<BatchResult> {
  return clock.run(runBatch(batchItems, { clock, sleep: clock.sleep, leases: new NumberLeases({ sleep: clock.sleep, clock }), ...options }));
}

const numbers = [TEST_NUMBER, '+15555550101', '+15555550102', '+15555550103'];

describe('runBatch', () => {
  it('runs every sample of every check and groups the runs by check, in the items’ order', async () => {
    const clock = new FakeClock();

    const result = await batch(clock, items(clock, numbers.slice(0, 2)), { samples: 3, concurrency: 2 });

    expect(result.checks.map((c) => [c.name, c.runs.length])).toEqual([
      ['check-0', 3],
      ['check-1', 3],
    ]);
    expect(result.checks.flatMap((c) => c.runs).every((r) => r.outcome === 'success')).toBe(true);
  });

  it('never has more runs in flight than the concurrency limit, and uses all of it', async () => {
    const clock = new FakeClock();
    const inFlight = new InFlight();

    await batch(clock, items(clock, numbers, inFlight), { samples: 3, concurrency: 2 });

    expect(inFlight.most).toBe(2);
    expect(clock.now()).toBe(6 * 2_200);
  });

  it('runs the samples of one check one after another, since they share its number', async () => {
    const clock = new FakeClock();
    const inFlight = new InFlight();

    await batch(clock, items(clock, numbers.slice(0, 1), inFlight), { samples: 3, concurrency: 3 });

    expect(inFlight.most).toBe(1);
    expect(clock.now()).toBe(3 * 2_200);
  });

  it("spaces the samples of one check by its resend window, as the app requires", async () => {
    const clock = new FakeClock();
    const spec = checkSpec({ policy: { ttlMs: 300_000, resendWindowMs: 10_000, maxAttempts: 3 } });
    const providers = fakeWorld({ clock, otp: { resendWindowMs: 10_000 } }).providers;

    const result = await batch(clock, [{ spec, providers }], { samples: 3, concurrency: 1 });

    expect(result.checks[0]!.runs.map((run) => run.outcome)).toEqual(['success', 'success', 'success']);
    expect(clock.now()).toBe(2 * 10_000 + 2_200);
  });

  it('serialises different checks that test the same number', async () => {
    const clock = new FakeClock();
    const inFlight = new InFlight();

    await batch(clock, items(clock, [TEST_NUMBER, TEST_NUMBER], inFlight), { samples: 2, concurrency: 4 });

    expect(inFlight.most).toBe(1);
  });

  it('reports each run as it ends', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];

    const result = await batch(clock, items(clock, numbers.slice(0, 2)), { samples: 2, concurrency: 2, onRun: (record) => seen.push(record.id) });

    expect(seen).toHaveLength(4);
    expect(new Set(seen)).toEqual(new Set(result.checks.flatMap((c) => c.runs.map((r) => r.id))));
  });

  it('stops scheduling a check once shouldStop says so, and keeps the others going', async () => {
    const clock = new FakeClock();
    const asked: [string, number][] = [];

    const result = await batch(clock, items(clock, numbers.slice(0, 2)), {
      samples: 5,
      concurrency: 2,
      shouldStop: (name, runs) => {
        asked.push([name, runs.length]);
        return name === 'check-0' && runs.length === 2;
      },
    });

    expect(result.checks.map((c) => c.runs.length)).toEqual([2, 5]);
    expect(asked.filter(([name]) => name === 'check-0')).toEqual([
      ['check-0', 1],
      ['check-0', 2],
    ]);
  });

  it('on cancellation starts nothing more and records the runs in flight as cancelled', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    void clock.sleep(1_000).then(() => controller.abort(new Error('shutting down')));

    const result = await batch(clock, items(clock, numbers.slice(0, 3)), { samples: 5, concurrency: 2, signal: controller.signal });

    expect(result.checks.map((c) => c.runs.map((r) => r.cancelled))).toEqual([[true], [true], []]);
  });

  it('says it was interrupted when cancellation cut it short', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    void clock.sleep(1_000).then(() => controller.abort(new Error('shutting down')));

    const result = await batch(clock, items(clock, numbers.slice(0, 3)), { samples: 5, concurrency: 2, signal: controller.signal });

    expect(result.interrupted).toBe(true);
  });

  it('was not interrupted when every check ran its samples or was stopped by shouldStop', async () => {
    const clock = new FakeClock();

    const result = await batch(clock, items(clock, numbers.slice(0, 2)), { samples: 3, concurrency: 2, shouldStop: (name) => name === 'check-0' });

    expect(result.checks.map((c) => c.runs.length)).toEqual([1, 3]);
    expect(result.interrupted).toBe(false);
  });

  it('was not interrupted by an abort that came once every run had ended', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let ended = 0;

    const result = await batch(clock, items(clock, numbers.slice(0, 1)), {
      samples: 2,
      concurrency: 1,
      signal: controller.signal,
      onRun: () => {
        ended += 1;
        if (ended === 2) controller.abort(new Error('too late'));
      },
    });

    expect(result.interrupted).toBe(false);
  });

  it('rejects options it cannot honour, naming the field', async () => {
    await expect(runBatch([], { samples: 3, concurrency: 0 })).rejects.toThrow('runBatch: concurrency must be a positive integer, got 0');
  });

  it('rejects with the error of a callback that throws, and cancels the runs in flight', async () => {
    const clock = new FakeClock();
    const fast = fakeWorld({ clock });
    const slow = fakeWorld({ clock, carrier: { delayMs: 50_000 } });
    const failing = runBatch(
      [
        { spec: checkSpec({ name: 'fast', number: numbers[0]! }), providers: fast.providers },
        { spec: checkSpec({ name: 'slow', number: numbers[1]! }), providers: slow.providers },
      ],
      {
        samples: 1,
        concurrency: 2,
        clock,
        sleep: clock.sleep,
        leases: new NumberLeases({ sleep: clock.sleep }),
        onRun: () => {
          throw new Error('report writer broke');
        },
      },
    );

    await expect(clock.run(failing)).rejects.toThrow('report writer broke');
    await settleMicrotasks();
    expect(slow.inbox.waiting).toBe(0);
    expect(clock.now()).toBe(2_200);
  });
});
