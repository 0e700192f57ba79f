// The bundled Action in mode prometheus, run as the runner runs it (Node 24, INPUT_* variables), against
// a loopback server answering Prometheus's query API in its own JSON: the verdict, outputs, summary and
// report from the probe's record, no data as a failure, Prometheus's errors, and the bearer token.

import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../src/core/report.js';
import { sloQueries, type SloQueryName } from '../src/prometheus/queries.js';
import { runStep } from './support/action-step.js';
import { NODE24 } from './support/prerequisites.js';
import { errorAnswer, startFakePrometheus, vectorAnswer, type FakeAnswer, type FakePrometheus } from './support/prometheus.js';

type Answers = Partial<Record<SloQueryName, { labels: Record<string, string>; value: number }[]>>;

/** signup, from one location: 30 runs, 2 of them inbox errors (the probe's own), 2 SMS lost, 1 slow. */
const SIGNUP: Answers = {
  runs: [{ labels: { check: 'signup', location: 'eu-west-1' }, value: 30 }],
  probeFailures: [{ labels: { check: 'signup', location: 'eu-west-1' }, value: 2 }],
  targetFailures: [
    { labels: { check: 'signup', location: 'eu-west-1', reason: 'sms_not_received' }, value: 2 },
    { labels: { check: 'signup', location: 'eu-west-1', reason: 'code_rejected' }, value: 0 },
  ],
  degraded: [{ labels: { check: 'signup', location: 'eu-west-1' }, value: 1 }],
  deliveryBuckets: [
    { labels: { check: 'signup', le: '1' }, value: 10 },
    { labels: { check: 'signup', le: '2' }, value: 22 },
    { labels: { check: 'signup', le: '3' }, value: 26 },
    { labels: { check: 'signup', le: '+Inf' }, value: 26 },
  ],
  deliveryP50: [{ labels: { check: 'signup' }, value: 1.25 }],
  deliveryP95: [{ labels: { check: 'signup' }, value: 2.7 }],
  pooledDeliveryP50: [{ labels: {}, value: 1.25 }],
  pooledDeliveryP95: [{ labels: {}, value: 2.7 }],
};

let prometheus: FakePrometheus | undefined;
afterEach(async () => {
  await prometheus?.close();
  prometheus = undefined;
});

/** A Prometheus that answers the gate's queries for `window` and `checks`, and refuses any other query. */
async function serve(answers: Answers, window: string, checks: string[] = []): Promise<FakePrometheus> {
  const queries = sloQueries({ window, checks });
  const byQuery = new Map<string, FakeAnswer>(
    (Object.keys(queries) as SloQueryName[]).map((name) => [queries[name], vectorAnswer(answers[name] ?? [])]),
  );
  prometheus = await startFakePrometheus((query) => byQuery.get(query) ?? errorAnswer(400, 'bad_data', `unexpected query ${query}`));
  return prometheus;
}

const step = (inputs: Record<string, string>, env?: Record<string, string>) => runStep(NODE24, { mode: 'prometheus', ...inputs }, env);

describe('the bundled Action in mode prometheus', () => {
  it("passes on the probe's record when it meets the thresholds, with the outputs, summary and report", async () => {
    const { url } = await serve(SIGNUP, '6h');
    const result = await step({ 'prometheus-url': url, window: '6h', 'min-success-rate': '0.9', 'max-p95-delivery-seconds': '5', 'min-runs': '20' });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.outputs).toMatchObject({ passed: 'true', runs: '28', failures: '{"sms_not_received":2}', 'delivery-p95-seconds': '2.7', 'delivery-p50-seconds': '1.25' });
    expect(Number(result.outputs['success-rate'])).toBeCloseTo(1 - 2 / 28, 4);
    expect(result.summary.startsWith('## ✅ OTP delivery gate passed')).toBe(true);
    expect(result.summary).toContain(`1 check · ≈28 runs in the last 6h · Prometheus ${url}/ · location \`eu-west-1\``);
    expect(result.summary).toContain('> Read from Prometheus, as the SLO rules count');
    expect(result.summary).toContain('| signup | 28 | 26 | 1 | `sms_not_received` 2 | 1.25 s | 2.7 s | – |');
    expect(result.summary).toContain('x-axis "seconds" ["0-1", "1-2", "2-3"]');
    expect(result.summary).toContain('bar [10, 12, 4]');
    expect(result.summary).toContain("signup: 2 runs failed on otp-canary's own side (origin probe) and are left out, as the SLO rules do");
    const report = JSON.parse(await readFile(result.outputs['report-path']!, 'utf8')) as Report;
    expect(report.checks).toEqual([expect.objectContaining({ name: 'signup', runs: [] })]);
    expect(report.durationMs).toBe(6 * 3_600_000);
  });

  it('evaluates every query at one instant over the window, selecting the checks asked for', async () => {
    await serve(SIGNUP, '30m', ['signup']);
    const before = Date.now() / 1000;
    const result = await step({ 'prometheus-url': prometheus!.url, window: '30m', checks: 'signup', 'min-runs': '1' });

    expect(result.code, result.stdout).toBe(0);
    expect(prometheus!.requests).toHaveLength(9);
    const times = new Set(prometheus!.requests.map((request) => request.form.get('time')));
    expect(times.size).toBe(1);
    expect(Number([...times][0])).toBeGreaterThanOrEqual(Math.floor(before));
    expect(prometheus!.requests.every((request) => request.form.get('query')!.includes('{check=~"signup"'))).toBe(true);
  });

  it('fails when a success rate is below the threshold, with the reason on one line', async () => {
    const { url } = await serve(SIGNUP, '1h');
    const result = await step({ 'prometheus-url': url, 'min-success-rate': '0.95' });

    expect(result.code).toBe(1);
    expect(result.outputs['passed']).toBe('false');
    expect(result.stdout).toMatch(/^::error::OTP delivery gate failed: signup: success rate 0\.93 \(26\/28\) is below 0\.95$/m);
    expect(result.summary).toMatch(/\| success rate \| ≥ 0\.95 \| signup 0\.9286 ❌ \| ❌ missed \|/);
  });

  it('fails when the window holds fewer runs than min-runs', async () => {
    const { url } = await serve(SIGNUP, '1h');
    const result = await step({ 'prometheus-url': url, 'min-runs': '50', 'min-success-rate': '0.5' });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^::error::OTP delivery gate failed: signup: 28 finished runs, fewer than the 50 required$/m);
  });

  it('fails, saying why, when a check asked for has no series in Prometheus', async () => {
    const { url } = await serve({}, '5m', ['sign-up']);
    const result = await step({ 'prometheus-url': url, window: '5m', checks: 'sign-up', 'min-success-rate': '0.9' });

    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ passed: 'false', runs: '0', 'success-rate': '' });
    expect(result.stdout).toContain(
      '::error::OTP delivery gate failed: sign-up: Prometheus has no otp_canary_runs_total series for this check over the last 5m (is the name right, and is its probe scraped?)',
    );
  });

  it('fails when Prometheus has no otp-canary series at all', async () => {
    const { url } = await serve({}, '1h');
    const result = await step({ 'prometheus-url': url, 'min-success-rate': '0.9' });

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('::error::OTP delivery gate failed: Prometheus has no otp_canary_runs_total series over the last 1h');
  });

  it("fails with Prometheus's own reason when it refuses a query", async () => {
    prometheus = await startFakePrometheus(() => errorAnswer(503, 'unavailable', 'TSDB not ready'));
    const result = await step({ 'prometheus-url': prometheus.url, 'min-success-rate': '0.9' });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^::error::Prometheus at ${prometheus.url} refused the query \\(503: unavailable: TSDB not ready\\); query: .+$`, 'm'));
    expect(result.outputs).toEqual({});
  });

  it('sends the bearer token, registers it for masking and prints it nowhere', async () => {
    const token = `prom-token-${Math.random().toString(36).slice(2)}`;
    const { url } = await serve(SIGNUP, '1h');
    const result = await step({ 'prometheus-url': url, 'bearer-token': token, 'min-success-rate': '0.99' });

    expect(result.code).toBe(1);
    expect(prometheus!.requests.every((request) => request.headers.authorization === `Bearer ${token}`)).toBe(true);
    expect(result.stdout.split('\n')).toContain(`::add-mask::${token}`);
    const written = [
      result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n'),
      result.stderr,
      result.summary,
      await readFile(result.outputs['report-path']!, 'utf8'),
    ].join('\n');
    expect(written).not.toContain(token);
  });

  it.each([
    [{}, 'mode prometheus needs prometheus-url: the Prometheus that scrapes the otp-canary probe'],
    [{ 'prometheus-url': 'http://127.0.0.1:9', window: '1.5h' }, 'window must be a PromQL duration such as 5m, 1h or 1h30m, got "1.5h"'],
    [{ 'prometheus-url': 'https://user:secret@prom.example.com' }, 'prometheus-url must not carry credentials: pass a token in bearer-token'],
    [{ 'prometheus-url': 'http://127.0.0.1:9', sequential: 'true' }, 'sequential: true applies to mode run: mode prometheus sends nothing, it reads what the probe recorded'],
    [{ mode: 'run', 'prometheus-url': 'http://127.0.0.1:9' }, 'prometheus-url is only read in mode prometheus, and mode is run'],
    [{ mode: 'promethus' }, 'mode must be run or prometheus, got "promethus"'],
  ])('refuses inputs %j before querying anything', async (inputs, message) => {
    const result = await step(inputs);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`::error::${message}`);
    expect(result.outputs).toEqual({});
  });
});
