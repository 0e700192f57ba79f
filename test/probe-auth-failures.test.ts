// Failed bearer-token attempts on the probe's acting endpoints: every one counted, each client logged at
// most once a minute with the attempts left out since, on a fake clock.

import { beforeEach, describe, expect, it } from 'vitest';
import { AUTH_LOG_INTERVAL_MS, AuthFailureLog, OTHER_CLIENTS, type AuthEndpoint, type AuthFailure } from '../src/probe/auth-failures.js';

const MINUTE = AUTH_LOG_INTERVAL_MS;

let nowMs: number;
let lines: Record<string, unknown>[];
let counted: AuthEndpoint[];

beforeEach(() => {
  nowMs = 1_000;
  lines = [];
  counted = [];
});

function authFailureLog(options: { maxClients?: number } = {}): AuthFailureLog {
  return new AuthFailureLog({
    logger: { warn: (fields) => lines.push(fields as Record<string, unknown>) },
    count: (endpoint) => counted.push(endpoint),
    clock: { now: () => nowMs },
    ...options,
  });
}

const attempt = (client: string, overrides: Partial<AuthFailure> = {}): AuthFailure => ({ endpoint: 'run', client, reason: 'wrong', ...overrides });

describe('failed bearer-token attempts', () => {
  it("log a client's first attempt at once, naming the endpoint, the client and why", () => {
    authFailureLog().record(attempt('10.0.0.7', { endpoint: 'holds', reason: 'missing' }));

    expect(lines).toEqual([{ event: 'auth_failed', endpoint: 'holds', client: '10.0.0.7', reason: 'missing', suppressed: 0 }]);
  });

  it('count every attempt, logged or not', () => {
    const log = authFailureLog();

    for (const endpoint of ['run', 'holds', 'run'] as const) log.record(attempt('10.0.0.7', { endpoint }));

    expect(counted).toEqual(['run', 'holds', 'run']);
    expect(lines).toHaveLength(1);
  });

  it("log a client at most once a minute, the next line carrying the attempts left out since the last", () => {
    const log = authFailureLog();

    log.record(attempt('10.0.0.7'));
    for (let second = 1; second < 60; second += 1) {
      nowMs += 1_000;
      log.record(attempt('10.0.0.7'));
    }
    nowMs = 1_000 + MINUTE;
    log.record(attempt('10.0.0.7'));

    expect(lines.map(({ suppressed }) => suppressed)).toEqual([0, 59]);
  });

  it('limit each client on its own', () => {
    const log = authFailureLog();

    for (const client of ['10.0.0.7', '10.0.0.8', '10.0.0.7', '10.0.0.8']) log.record(attempt(client));

    expect(lines.map(({ client }) => client)).toEqual(['10.0.0.7', '10.0.0.8']);
  });

  it('report the attempts left out of a client that went quiet once its minute is over and any attempt arrives', () => {
    const log = authFailureLog();
    log.record(attempt('10.0.0.7'));
    log.record(attempt('10.0.0.7'));
    log.record(attempt('10.0.0.7'));

    nowMs += MINUTE;
    log.record(attempt('10.0.0.8'));

    expect(lines.slice(1)).toEqual([
      { event: 'auth_failures_suppressed', client: '10.0.0.7', suppressed: 2 },
      { event: 'auth_failed', endpoint: 'run', client: '10.0.0.8', reason: 'wrong', suppressed: 0 },
    ]);
  });

  it('still log a client once a minute after reporting what it left out', () => {
    const log = authFailureLog();
    log.record(attempt('10.0.0.7'));
    log.record(attempt('10.0.0.7'));
    nowMs += MINUTE;
    log.record(attempt('10.0.0.8'));

    log.record(attempt('10.0.0.7'));

    expect(lines.filter(({ client }) => client === '10.0.0.7').map(({ event }) => event)).toEqual(['auth_failed', 'auth_failures_suppressed']);
  });

  it('log the clients past the most it tracks together, once a minute', () => {
    const log = authFailureLog({ maxClients: 2 });

    for (const client of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']) log.record(attempt(client));

    expect(lines.map(({ client }) => client)).toEqual(['10.0.0.1', '10.0.0.2', OTHER_CLIENTS]);
    expect(counted).toHaveLength(5);
  });

  it('forget a quiet client once its minute is over, making room for another', () => {
    const log = authFailureLog({ maxClients: 1 });
    log.record(attempt('10.0.0.1'));

    nowMs += MINUTE;
    log.record(attempt('10.0.0.2'));

    expect(lines.map(({ client }) => client)).toEqual(['10.0.0.1', '10.0.0.2']);
  });
});
