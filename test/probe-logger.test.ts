import { describe, expect, it } from 'vitest';
import { maskCode } from '../src/core/mask.js';
import { createLogger, logControl, logRun, type LoggerOptions, type ProbeLogger } from '../src/probe/logger.js';
import { REAL_CODE, REAL_NUMBER, controlRecord, failedRun, runRecord } from './support/records.js';

/** A logger writing into an array, one parsed JSON object per line. */
function capture(options: Omit<LoggerOptions, 'destination'> = {}): { logger: ProbeLogger; lines: string[]; entries: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({ ...options, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('probe logger', () => {
  it('writes one JSON line per run with the fields an operator filters on', () => {
    const { logger, lines, entries } = capture();

    logRun(logger, runRecord({
      id: 'run-7',
      timings: { triggerMs: 180, deliverMs: 4200, extractMs: 1, verifyMs: 95, totalMs: 4500 },
      deliverySeconds: 4.2,
      warnings: ['duplicate_sms'],
    }));

    expect(lines).toHaveLength(1);
    expect(entries()[0]).toMatchObject({
      level: 'info',
      event: 'run',
      runId: 'run-7',
      check: 'signup-us',
      location: 'eu-west-1',
      number: '+1555•••0981',
      outcome: 'success',
      timings: { triggerMs: 180, deliverMs: 4200, extractMs: 1, verifyMs: 95, totalMs: 4500 },
      deliverySeconds: 4.2,
      warnings: ['duplicate_sms'],
      msg: 'run signup-us success',
    });
  });

  it('logs neither the code, masked or not, nor the full number', () => {
    const { logger, lines } = capture();

    logRun(logger, runRecord());

    expect(lines[0]).not.toContain(maskCode(REAL_CODE));
    expect(lines[0]).not.toContain(REAL_CODE);
    expect(lines[0]).not.toContain('"code"');
    expect(lines[0]).not.toContain(REAL_NUMBER.slice(1));
  });

  it('logs a failure of the target at warn with its reason, stage and origin', () => {
    const { logger, entries } = capture();

    logRun(logger, failedRun('sms_not_received'));

    expect(entries()[0]).toMatchObject({ level: 'warn', reason: 'sms_not_received', stage: 'deliver', origin: 'target', msg: 'run signup-us failure: sms_not_received' });
  });

  it("logs a failure of otp-canary's own making at error", () => {
    const { logger, entries } = capture();

    logRun(logger, failedRun('inbox_error'));

    expect(entries()[0]).toMatchObject({ level: 'error', reason: 'inbox_error' });
  });

  it('logs a violated control at error', () => {
    const { logger, entries } = capture();

    logControl(logger, controlRecord({ control: 'single_use', status: 'violated', detail: 'the second verify was accepted' }));

    expect(entries()[0]).toMatchObject({ level: 'error', event: 'control', control: 'single_use', status: 'violated', msg: 'control signup-us single_use violated' });
  });

  it('masks a registered secret that slips into a message and an error', () => {
    const { logger, lines } = capture({ secrets: ['sk_live_4fT9qZ'] });

    logger.error({ err: new Error('401 for key sk_live_4fT9qZ') }, 'inbox said no to sk_live_4fT9qZ');

    expect(lines[0]).not.toContain('sk_live_4fT9qZ');
    expect(lines[0]).toContain('••••');
  });

  it('masks secrets registered after creation, in child loggers too', () => {
    const { logger, lines } = capture();
    const child = logger.child({ check: 'signup-us' });

    logger.registerSecrets(['AC0123456789abcdef']);
    child.warn('polling as AC0123456789abcdef failed');

    expect(lines[0]).not.toContain('AC0123456789abcdef');
  });

  it('masks a secret containing characters that JSON escapes', () => {
    const { logger, lines } = capture({ secrets: ['pa"ss\\word'] });

    logger.info('login with pa"ss\\word');

    expect(lines[0]).not.toContain('pa\\"ss\\\\word');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ msg: 'login with ••••' });
  });

  it('drops lines below the configured level', () => {
    const { logger, lines } = capture({ level: 'warn' });

    logRun(logger, runRecord());

    expect(lines).toEqual([]);
  });
});
