import { describe, expect, it } from 'vitest';
import { maskCode, maskNumber } from '../src/core/mask.js';
import { RecentRuns } from '../src/probe/recent-runs.js';
import { STATUS_PAGE_CSP, TIMING_BAR_RUNS, renderStatusPage, statusPageModel } from '../src/probe/status-page.js';
import { REAL_CODE, REAL_NUMBER, RUN_STARTED_AT, controlRecord, failedRun, runRecord } from './support/records.js';

/** When the records start. */
const T0 = Date.parse(RUN_STARTED_AT);
const ATTACK = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`;

function page(recent: RecentRuns, checks = [{ name: 'signup-us', schedule: '*/5 * * * *' }]): string {
  return renderStatusPage(statusPageModel({ version: '1.2.3', location: 'eu-west-1', startedAtMs: T0 - 3_723_000, nowMs: T0 + 60_000, checks, recent }));
}

describe('recent runs', () => {
  it('keeps only the newest runs per check and overall', () => {
    const recent = new RecentRuns({ perCheck: 2, overall: 3 });

    for (const id of ['a1', 'a2', 'a3']) recent.addRun(runRecord({ id, check: 'a' }));
    recent.addRun(runRecord({ id: 'b1', check: 'b' }));

    expect(recent.runs({ check: 'a' }).map((record) => record.id)).toEqual(['a3', 'a2']);
    expect(recent.runs().map((record) => record.id)).toEqual(['b1', 'a3', 'a2']);
    expect(recent.runs({ limit: 1 }).map((record) => record.id)).toEqual(['b1']);
  });

  it('summarises success rate (degraded counts as success), last outcome and age, delivery percentiles and failures', () => {
    const recent = new RecentRuns();
    const deliveries = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30];
    deliveries.forEach((seconds, index) => recent.addRun(runRecord({ id: `s${index}`, deliverySeconds: seconds, outcome: index === 0 ? 'degraded' : 'success' })));
    recent.addRun(failedRun('sms_not_received', { id: 'f1' }));
    recent.addRun(failedRun('sms_not_received', { id: 'f2', timings: { totalMs: 10_000 } }));

    expect(recent.summary('signup-us', T0 + 70_000)).toEqual({
      check: 'signup-us',
      runs: 12,
      successRate: 10 / 12,
      lastOutcome: 'failure',
      lastAgeSeconds: 60,
      deliveryP50Seconds: 5,
      deliveryP95Seconds: 30,
      failuresByReason: { sms_not_received: 2 },
    });
  });

  it('summarises a check that has not run yet as zero runs', () => {
    expect(new RecentRuns().summary('idle', T0)).toEqual({ check: 'idle', runs: 0, failuresByReason: {} });
  });

  it('keeps the latest result of each control', () => {
    const recent = new RecentRuns();

    recent.addControl(controlRecord({ status: 'passed' }));
    recent.addControl(controlRecord({ control: 'code_expires', status: 'inconclusive' }));
    recent.addControl(controlRecord({ status: 'violated' }));

    expect(recent.controls('signup-us').map((record) => [record.control, record.status])).toEqual([
      ['single_use', 'violated'],
      ['code_expires', 'inconclusive'],
    ]);
  });

  it('forgets checks no longer configured', () => {
    const recent = new RecentRuns();
    recent.addRun(runRecord({ check: 'gone' }));
    recent.addControl(controlRecord({ check: 'gone' }));

    recent.retainChecks(['signup-us']);

    expect(recent.runs({ check: 'gone' })).toEqual([]);
    expect(recent.controls('gone')).toEqual([]);
  });

  it('rejects a capacity that is not a positive integer, naming it', () => {
    expect(() => new RecentRuns({ perCheck: 0 })).toThrow('RecentRuns perCheck: expected a positive integer, got 0');
  });
});

describe('status page', () => {
  it('escapes attacker-controlled text in run details, control details and check names', () => {
    const recent = new RecentRuns();
    recent.addRun(failedRun('code_not_found', { check: ATTACK, detail: `SMS body: ${ATTACK}` }));
    recent.addControl(controlRecord({ check: ATTACK, detail: ATTACK }));

    const html = page(recent, [{ name: ATTACK, schedule: `*/5 "${ATTACK}` }]);

    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  it('is self-contained: no script, no external resource, nothing the strict CSP would block', () => {
    const recent = new RecentRuns();
    recent.addRun(runRecord());

    const html = page(recent);

    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|href=|url\(|@import|javascript:|\son[a-z]+=/i);
    expect(STATUS_PAGE_CSP).toContain("default-src 'none'");
  });

  it('shows version, location, uptime and each check with schedule, masked number, last outcome, success rate and delivery percentiles', () => {
    const recent = new RecentRuns();
    recent.addRun(runRecord({ id: 'r1', deliverySeconds: 4 }));
    recent.addRun(failedRun('sms_late', { id: 'r2', deliverySeconds: 320, timings: { totalMs: 4_400 } }));

    const html = page(recent);

    expect(html).toContain('version 1.2.3');
    expect(html).toContain('location eu-west-1');
    expect(html).toContain('up 1h 3m');
    expect(html).toContain('<code>*/5 * * * *</code>');
    expect(html).toContain('+1555•••0981');
    expect(html).toContain('<span class="failure">failure</span>');
    expect(html).toContain('55.6 s ago');
    expect(html).toContain('50.0% of 2');
    expect(html).toContain('4 s / 5m 20s');
    expect(html).toContain('sms_late: 1');
  });

  it('draws stage segments proportional to the slowest shown run', () => {
    const recent = new RecentRuns();
    recent.addRun(runRecord({ id: 'slow', timings: { triggerMs: 1000, deliverMs: 6000, extractMs: 0, verifyMs: 1000, totalMs: 10_000 } }));
    recent.addRun(runRecord({ id: 'fast', timings: { triggerMs: 500, deliverMs: 2000, verifyMs: 500, totalMs: 3000 } }));

    const html = page(recent);

    expect(html).toContain('<span style="width:60.00%;background:#f2a93b" title="deliver 6 s"></span>');
    expect(html).toContain('<span style="width:20.00%;background:#c7c7c7" title="unattributed 2 s"></span>');
    expect(html).toContain('<span style="width:5.00%;background:#5b8def" title="trigger 500 ms"></span>');
  });

  it(`draws timing bars for the last ${TIMING_BAR_RUNS} runs only`, () => {
    const recent = new RecentRuns();
    for (let index = 0; index < TIMING_BAR_RUNS + 5; index += 1) recent.addRun(runRecord({ id: `r${index}` }));

    expect(page(recent).match(/class="bar"/g)).toHaveLength(TIMING_BAR_RUNS);
  });

  it('shows anti-abuse control statuses', () => {
    const recent = new RecentRuns();
    recent.addControl(controlRecord({ control: 'max_attempts_lockout', status: 'violated', detail: 'the right code was accepted after 5 wrong ones' }));

    const html = page(recent);

    expect(html).toContain('<td>max_attempts_lockout</td><td class="violated">violated</td>');
    expect(html).toContain('the right code was accepted after 5 wrong ones');
  });

  it('never shows the full number or the code, even masked', () => {
    const recent = new RecentRuns();
    recent.addRun(runRecord({ number: REAL_NUMBER }));

    const html = page(recent);

    expect(html).not.toContain(REAL_NUMBER.slice(1));
    expect(html).not.toContain(maskCode(REAL_CODE));
    expect(html).toContain(maskNumber(REAL_NUMBER));
  });
});
