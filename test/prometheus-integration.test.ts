// The shipped rules, dashboards and the Action's Prometheus gate against a real Prometheus scraping the
// real probe. The probe runs two checks every second against its embedded sandbox: `signup` on a lossy
// carrier whose inbox API sometimes fails (so it has target failures and failures of the probe's own),
// with its single_use control broken on purpose; and `blocked`, which the OTP service refuses to text.
// Ground truth is the probe's own log: one line per finished run, with its outcome and origin.

import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runStep } from './support/action-step.js';
import { NODE24 } from './support/prerequisites.js';
import { freePort } from './support/ports.js';
import { startProbeProcess, type LogLine, type ProbeProcess } from './support/probe-process.js';
import { startPrometheus, type PrometheusServer, type PromSample } from './support/prometheus.js';
import { loadRules, RULE_FILES, type Rule } from './support/prometheus-rules.js';

const EVERY_SECOND = '* * * * * *';
const EVERY_OTHER_SECOND = '*/2 * * * * *';
/** Never within a test: a config with it only lets in-flight runs finish. */
const YEARLY = '0 0 1 1 *';
const LOCATION = 'it';
const CHECKS = ['signup', 'blocked'] as const;

/** Runs on `schedule`; signup's control every other tick of it. */
function config(schedule: string, controlSchedule: string): string {
  const steps = { trigger: { type: 'sandbox' }, inbox: { type: 'sandbox', pollInterval: '100ms' }, verify: { type: 'sandbox' } };
  const timeouts = { delivery: '500ms', total: '3s', step: '1s' };
  return stringify({
    location: LOCATION,
    sandbox: {
      seed: 11,
      carrier: { delay: { median: '30ms', p95: '120ms' }, loss: 0.2, blockedPrefixes: ['+1555555019'] },
      otp: { resendWindow: '0s', weaken: ['single_use'] },
      faults: { inbox: { error: 0.1 } },
    },
    checks: [
      { name: 'signup', number: '+15555550100', ...steps, timeouts, degradedAfter: '100ms', controls: ['single_use'], schedule, controlSchedule },
      { name: 'blocked', number: '+15555550190', ...steps, timeouts, schedule },
    ],
  });
}

let dir: string;
let probe: ProbeProcess | undefined;
let prometheus: PrometheusServer | undefined;
/** An instant (Unix seconds) while the checks were running, for rules and panels over recent activity. */
let activeAt: number;
/** The runs the probe logged, all finished before Prometheus's last scrape. */
let logged: LogLine[];

const byCheck = (samples: readonly PromSample[]) => Object.fromEntries(samples.map((sample) => [sample.metric['check'], sample.value]));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-prometheus-it-'));
  const path = join(dir, 'otp-canary.yml');
  const port = await freePort();
  prometheus = await startPrometheus({ targets: [`127.0.0.1:${port}`], ruleFiles: RULE_FILES });

  // Start idle so that Prometheus's first sample of every counter is 0: increase() then has nothing to
  // extrapolate towards the window's start, which the exact comparisons below rely on.
  await writeFile(path, config(YEARLY, YEARLY));
  probe = await startProbeProcess(['--config', path, '--port', String(port), '--host', '127.0.0.1']);
  await prometheus.waitFor('the first scrape of the idle probe', async () =>
    (await prometheus!.query('otp_canary_runs_total')).length === CHECKS.length ? true : undefined,
  );
  await writeFile(path, config(EVERY_SECOND, EVERY_OTHER_SECOND));
  probe.child.kill('SIGHUP');
  await probe.waitForLog((line) => line.event === 'reloaded');

  await prometheus.waitFor(
    'enough runs, failures of the target\'s and of the probe\'s own, and a violated control',
    async () => {
      const runs = byCheck(await prometheus!.query('otp_canary_runs_total'));
      const failed = async (origin: string) => (await prometheus!.query(`sum(otp_canary_failures_total{check="signup", origin="${origin}"}) > 0`)).length > 0;
      const violated = await prometheus!.query('otp_canary_control_status{control="single_use"} == 0');
      // The carrier loses one SMS in five: a target failure comes within a few runs, though not within any fixed number.
      return runs['signup']! >= 15 && runs['blocked']! >= 12 && (await failed('target')) && (await failed('probe')) && violated.length > 0 ? true : undefined;
    },
    60_000,
  );
  activeAt = Math.floor(Date.now() / 1000);

  // Quiesce: the same checks on a schedule that never fires; in-flight runs finish and are recorded.
  await writeFile(path, config(YEARLY, YEARLY));
  probe.child.kill('SIGHUP');
  await probe.waitForLogs((line) => line.event === 'previous_config_closed', 2);
  const quiescedAt = Date.now() / 1000;
  // Then a scrape after the last run, and a rule evaluation after that scrape.
  const scrapedAt = await prometheus.waitFor('a scrape after the last run', async () => {
    const [sample] = await prometheus!.query('timestamp(otp_canary_runs_total{check="signup"})');
    return sample !== undefined && sample.value > quiescedAt ? sample.value : undefined;
  });
  await prometheus.waitFor('a rule evaluation after that scrape', async () => {
    const [sample] = await prometheus!.query('timestamp(check_location:otp_canary_sli_error:ratio_increase5m{check="signup"})');
    return sample !== undefined && sample.value > scrapedAt ? true : undefined;
  });
  logged = probe.logs.filter((line) => line.event === 'run');
}, 90_000);

afterAll(async () => {
  await probe?.stop('SIGKILL');
  await prometheus?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** What the probe's log says about one check's runs. */
function truth(check: string) {
  const runs = logged.filter((line) => line.check === check);
  const failures = (origin: string) => runs.filter((line) => line.outcome === 'failure' && line.origin === origin).length;
  const targetRuns = runs.length - failures('probe');
  return { runs: runs.length, probeFailures: failures('probe'), targetFailures: failures('target'), successRatio: 1 - failures('target') / targetRuns };
}

describe('the recording rules on a real Prometheus', () => {
  const recording = loadRules().filter((rule): rule is Rule & { record: string } => rule.record !== undefined);

  it('evaluates every recording rule expression to data while the probe runs, even over 6h and 3d windows', async () => {
    expect(recording.length).toBeGreaterThan(10);
    for (const rule of recording) {
      const samples = await prometheus!.query(rule.expr, activeAt);
      expect(samples.length, `${rule.record}: ${rule.expr}`).toBeGreaterThan(0);
      if (rule.record.includes(':otp_canary_sli_error:') || rule.record.includes(':otp_canary_target_')) {
        for (const sample of samples) expect(Number.isFinite(sample.value), `${rule.record} ${JSON.stringify(sample)}`).toBe(true);
      }
    }
  });

  it('stores every recorded series, and Prometheus reports every rule healthy', async () => {
    for (const rule of recording) expect((await prometheus!.query(rule.record, activeAt)).length, rule.record).toBeGreaterThan(0);
    const { groups } = await prometheus!.api<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>('rules');
    const rules = groups.flatMap((group) => group.rules);
    expect(rules).toHaveLength(loadRules().length);
    for (const rule of rules) expect({ name: rule.name, health: rule.health, lastError: rule.lastError ?? '' }).toEqual({ name: rule.name, health: 'ok', lastError: '' });
  });

  it("holds raw counters equal to the runs the probe logged, by origin", async () => {
    const runs = byCheck(await prometheus!.query('otp_canary_runs_total'));
    const failures = async (origin: string) => byCheck(await prometheus!.query(`sum by (check) (otp_canary_failures_total{origin="${origin}"})`));
    const target = await failures('target');
    const own = await failures('probe');
    for (const check of CHECKS) {
      const expected = truth(check);
      expect({ runs: runs[check], targetFailures: target[check], probeFailures: own[check] }, check).toEqual({
        runs: expected.runs,
        targetFailures: expected.targetFailures,
        probeFailures: expected.probeFailures,
      });
    }
    expect(truth('signup').probeFailures).toBeGreaterThan(0);
  });

  it("records the success ratio the probe's log gives, leaving out the probe's own failures", async () => {
    // Exact, not within a tolerance: every series of a check is scraped at the same instants and starts
    // at 0, so increase() extrapolates them all by one factor (towards the window's end only), and a
    // ratio of two of them is the ratio of the raw counts.
    const recorded = byCheck(await prometheus!.query('check_location:otp_canary_sli_error:ratio_increase5m'));
    for (const check of CHECKS) expect(1 - recorded[check]!, check).toBeCloseTo(truth(check).successRatio, 9);
    expect(truth('signup').successRatio).toBeGreaterThan(0);
    expect(truth('signup').successRatio).toBeLessThan(1);
  });
});

describe('the alert expressions on a real Prometheus', () => {
  const alerts = loadRules().filter((rule): rule is Rule & { alert: string } => rule.alert !== undefined);
  const alert = (name: string) => alerts.find((rule) => rule.alert === name)!.expr;

  it('evaluates every alert expression without an error', async () => {
    expect(alerts.length).toBeGreaterThan(5);
    for (const rule of alerts) await expect(prometheus!.query(rule.expr, activeAt), rule.alert).resolves.toBeInstanceOf(Array);
  });

  it('fires OtpCanarySloFastBurn for the check every run of which fails', async () => {
    const firing = await prometheus!.query(alert('OtpCanarySloFastBurn'), activeAt);
    expect(firing.map((sample) => sample.metric['check'])).toContain('blocked');
  });

  it('fires OtpCanaryControlViolated for the control the sandbox breaks, whenever its last result is a violation', async () => {
    const { result } = await prometheus!.api<{ result: { values: [number, string][] }[] }>('query_range', {
      query: 'otp_canary_control_status{check="signup", control="single_use"} == 0',
      start: String(activeAt - 60),
      end: String(activeAt),
      step: '1',
    });
    const violatedAt = result[0]?.values[0]?.[0];
    expect(violatedAt, 'no instant with a violated single_use control').toBeDefined();

    const firing = await prometheus!.query(alert('OtpCanaryControlViolated'), violatedAt);
    expect(firing.map((sample) => [sample.metric['check'], sample.metric['control']])).toEqual([['signup', 'single_use']]);
  });

  it('stays silent on the probe being down, absent or not running while it runs', async () => {
    for (const name of ['OtpCanaryProbeDown', 'OtpCanaryProbeAbsent', 'OtpCanaryCheckNotRunning']) {
      expect(await prometheus!.query(alert(name), activeAt), name).toEqual([]);
    }
  });
});

describe('the dashboards on a real Prometheus', () => {
  interface Target {
    expr: string;
  }
  interface Panel {
    title?: string;
    targets?: Target[];
    panels?: Panel[];
  }
  interface Dashboard {
    panels: Panel[];
    templating: { list: { name: string; type: string; query?: unknown; current?: { value?: string } }[] };
  }
  const dashboards = ['otp-canary-overview.json', 'otp-canary-check.json'].map(
    (file) => [file, JSON.parse(readFileSync(join(import.meta.dirname, '../dashboards', file), 'utf8')) as Dashboard] as const,
  );
  // Grafana's values for this scenario: both checks picked, the probe's location, a range that holds every run.
  const values = (dashboard: Dashboard): Record<string, string> => ({
    check: '(signup|blocked)',
    location: LOCATION,
    window: dashboard.templating.list.find((variable) => variable.name === 'window')!.current!.value!,
    __interval: '30s',
    __rate_interval: '1m',
    __range: '5m',
  });
  const substitute = (expr: string, given: Record<string, string>) =>
    expr.replace(/\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g, (reference, braced?: string, bare?: string) => {
      const value = given[(braced ?? bare)!];
      if (value === undefined) throw new Error(`${reference} has no value in this test`);
      return value;
    });

  it.each(dashboards)('%s: every panel query returns data', async (_file, dashboard) => {
    const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    const queries = panels.flatMap((panel) => (panel.targets ?? []).map((target) => [panel.title, substitute(target.expr, values(dashboard))] as const));
    expect(queries.length).toBeGreaterThan(10);
    for (const [title, expr] of queries) {
      expect((await prometheus!.query(expr, activeAt)).length, `${title}: ${expr}`).toBeGreaterThan(0);
    }
  });

  it.each(dashboards)("%s: the check and location variables list the probe's checks and location", async (_file, dashboard) => {
    const variableQuery = (name: string) => {
      const query = dashboard.templating.list.find((variable) => variable.name === name)!.query as { query: string };
      return /^label_values\((.+), (\w+)\)$/.exec(substitute(query.query, values(dashboard)))!;
    };
    const [, checkMatch, checkLabel] = variableQuery('check');
    const [, locationMatch, locationLabel] = variableQuery('location');

    expect((await prometheus!.api<string[]>(`label/${checkLabel}/values`, { 'match[]': checkMatch! })).sort()).toEqual(['blocked', 'signup']);
    expect(await prometheus!.api<string[]>(`label/${locationLabel}/values`, { 'match[]': locationMatch! })).toEqual([LOCATION]);
  });
});

describe("the Action's Prometheus gate on a real Prometheus", () => {
  const gate = (inputs: Record<string, string>) => runStep(NODE24, { mode: 'prometheus', 'prometheus-url': prometheus!.url, window: '5m', ...inputs });

  it('passes a check that meets its thresholds, with the success ratio of the logged runs', async () => {
    const expected = truth('signup');
    expect(expected.successRatio).toBeGreaterThan(0.5);
    const step = await gate({ checks: 'signup', 'min-success-rate': '0.5', 'max-p95-delivery-seconds': '2', 'min-runs': '10' });

    expect(step.code, step.stdout).toBe(0);
    expect(step.outputs['passed']).toBe('true');
    // Exact to the output's four decimals, for the reason given with the recording rule above.
    expect(Number(step.outputs['success-rate'])).toBeCloseTo(expected.successRatio, 4);
    // Counts are scaled by increase()'s extrapolation to the window's end: at most 1.1 scrape intervals
    // (1.1 s) beyond a series at least 15 s long.
    const targetRuns = expected.runs - expected.probeFailures;
    expect(Number(step.outputs['runs'])).toBeGreaterThanOrEqual(targetRuns);
    expect(Number(step.outputs['runs'])).toBeLessThanOrEqual(Math.ceil(targetRuns * (1 + 1.1 / 15)));
    // Every delivery took well under a second, so the estimate lies in the histogram's first bucket.
    expect(Number(step.outputs['delivery-p95-seconds'])).toBeGreaterThan(0);
    expect(Number(step.outputs['delivery-p95-seconds'])).toBeLessThanOrEqual(1);
    expect(step.summary).toContain('| signup |');
  });

  it('fails on the check whose runs all fail, naming it and its success rate', async () => {
    const step = await gate({ 'min-success-rate': '0.5', 'min-runs': '10' });

    expect(step.code).toBe(1);
    expect(step.outputs['passed']).toBe('false');
    expect(step.stdout).toMatch(/^::error::OTP delivery gate failed: blocked: success rate 0\.00 \(0\/\d+\) is below 0\.5$/m);
  });

  it('fails a check that has no series, saying so', async () => {
    const step = await gate({ checks: 'sign-up', 'min-success-rate': '0.5' });

    expect(step.code).toBe(1);
    expect(step.stdout).toContain('::error::OTP delivery gate failed: sign-up: Prometheus has no otp_canary_runs_total series for this check over the last 5m');
  });
});
