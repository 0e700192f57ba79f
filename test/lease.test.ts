import { describe, expect, it } from 'vitest';
import { LeaseWaitTimeout, NumberLeases } from '../src/core/lease.js';
import { FakeClock, settleMicrotasks } from './support/fake-providers.js';

const A = '+15555550100';
const B = '+15555550101';

describe('NumberLeases', () => {
  it('gives a free number at once and refuses a held one', () => {
    const leases = new NumberLeases();

    const first = leases.tryAcquire(A);

    expect(first?.number).toBe(A);
    expect(leases.tryAcquire(A)).toBeUndefined();
  });

  it('keeps numbers independent of each other', () => {
    const leases = new NumberLeases();
    leases.tryAcquire(A);

    expect(leases.tryAcquire(B)).toBeDefined();
  });

  it('frees the number on release', () => {
    const leases = new NumberLeases();
    leases.tryAcquire(A)?.release();

    expect(leases.isHeld(A)).toBe(false);
    expect(leases.tryAcquire(A)).toBeDefined();
  });

  it('grants waiters in the order they asked', async () => {
    const leases = new NumberLeases();
    const holder = leases.tryAcquire(A);
    const order: string[] = [];
    const waiters = ['first', 'second', 'third'].map((name) =>
      leases.acquire(A).then((lease) => {
        order.push(name);
        return lease;
      }),
    );

    holder?.release();
    for (const waiter of waiters) (await waiter).release();

    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('never has two holders of one number at once', async () => {
    const leases = new NumberLeases();
    let holders = 0;
    let mostHolders = 0;
    const use = async () => {
      const lease = await leases.acquire(A);
      holders += 1;
      mostHolders = Math.max(mostHolders, holders);
      await settleMicrotasks();
      holders -= 1;
      lease.release();
    };

    await Promise.all([use(), use(), use(), use()]);

    expect(mostHolders).toBe(1);
  });

  it('hands a released number to the next waiter, not to whoever tries next', async () => {
    const leases = new NumberLeases();
    const holder = leases.tryAcquire(A);
    const waiter = leases.acquire(A);

    holder?.release();

    expect(leases.tryAcquire(A)).toBeUndefined();
    expect((await waiter).number).toBe(A);
  });

  it('ignores a second release, which would otherwise free the next holder’s number', async () => {
    const leases = new NumberLeases();
    const first = leases.tryAcquire(A);
    const second = leases.acquire(A);

    first?.release();
    await second;
    first?.release();

    expect(leases.isHeld(A)).toBe(true);
  });

  it('takes an aborted waiter out of the line with the signal’s reason', async () => {
    const leases = new NumberLeases();
    const holder = leases.tryAcquire(A);
    const controller = new AbortController();
    const quitter = leases.acquire(A, { signal: controller.signal });
    const patient = leases.acquire(A);

    controller.abort(new Error('shutting down'));
    holder?.release();

    await expect(quitter).rejects.toThrow('shutting down');
    expect((await patient).number).toBe(A);
  });

  it('refuses at once when the signal is already aborted, even for a free number', async () => {
    const leases = new NumberLeases();

    await expect(leases.acquire(A, { signal: AbortSignal.abort(new Error('stopped')) })).rejects.toThrow('stopped');
    expect(leases.isHeld(A)).toBe(false);
  });

  it('gives up after waitMs with an error naming the masked number', async () => {
    const clock = new FakeClock();
    const leases = new NumberLeases({ sleep: clock.sleep });
    leases.tryAcquire(A);

    const waiting = leases.acquire(A, { waitMs: 5_000 });
    const error = await clock.run(waiting).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LeaseWaitTimeout);
    expect((error as Error).message).toBe('the number +1555•••0100 stayed busy with another run for 5000 ms');
    expect(clock.now()).toBe(5_000);
  });

  it('stops its wait timer once the lease is granted', async () => {
    const clock = new FakeClock();
    const leases = new NumberLeases({ sleep: clock.sleep });
    const holder = leases.tryAcquire(A);
    const waiting = leases.acquire(A, { waitMs: 5_000 });

    holder?.release();
    await waiting;

    expect(clock.pendingTimers).toBe(0);
  });
});

describe('the codes a number’s holders used', () => {
  /** Holds `number` just long enough to mark `codes` used. */
  function use(leases: NumberLeases, number: string, ...codes: string[]): void {
    const lease = leases.tryAcquire(number);
    for (const code of codes) lease?.markUsed(code);
    lease?.release();
  }

  const usedCodes = (leases: NumberLeases, number: string) => {
    const lease = leases.tryAcquire(number);
    lease?.release();
    return [...(lease?.usedCodes ?? [])];
  };

  it('shows the next holder the codes the holders before it used', () => {
    const leases = new NumberLeases();
    use(leases, A, '111111');
    use(leases, A, '222222');

    expect(usedCodes(leases, A)).toEqual(['111111', '222222']);
  });

  it('shows a holder the codes it marked itself, so its next journey under the same lease passes them over', () => {
    const leases = new NumberLeases();
    const lease = leases.tryAcquire(A);

    lease?.markUsed('111111');

    expect([...(lease?.usedCodes ?? [])]).toEqual(['111111']);
  });

  it('hands the codes to a waiter granted the number on release', async () => {
    const leases = new NumberLeases();
    const holder = leases.tryAcquire(A);
    const waiting = leases.acquire(A);

    holder?.markUsed('111111');
    holder?.release();

    expect([...(await waiting).usedCodes]).toEqual(['111111']);
  });

  it('keeps each number’s codes to itself', () => {
    const leases = new NumberLeases();
    use(leases, A, '111111');

    expect(usedCodes(leases, B)).toEqual([]);
  });

  it('keeps only the most recent memory.codes codes', () => {
    const leases = new NumberLeases({ memory: { codes: 2, forMs: 60_000 } });
    use(leases, A, '111111', '222222', '333333');

    expect(usedCodes(leases, A)).toEqual(['222222', '333333']);
  });

  it('forgets a code memory.forMs after it was used', async () => {
    const clock = new FakeClock();
    const leases = new NumberLeases({ clock, sleep: clock.sleep, memory: { codes: 8, forMs: 60_000 } });
    use(leases, A, '111111');
    await clock.advance(30_000);
    use(leases, A, '222222');

    await clock.advance(30_000);

    expect(usedCodes(leases, A)).toEqual(['222222']);
  });

  it('tells each holder when the previous one released the number, and its first holder nothing', async () => {
    const clock = new FakeClock();
    const leases = new NumberLeases({ clock, sleep: clock.sleep });
    const first = leases.tryAcquire(A)!;
    await clock.advance(1_500);
    first.release();
    await clock.advance(500);

    expect(first.previousReleaseAt).toBeUndefined();
    expect(leases.tryAcquire(A)?.previousReleaseAt).toBe(clock.now() - 500);
  });

  it('refuses a memory that is not a whole number of codes', () => {
    expect(() => new NumberLeases({ memory: { codes: 2.5, forMs: 60_000 } })).toThrow('NumberLeases: memory.codes must be a whole number of codes, got 2.5');
  });
});
