// The Action's pure parts: its interface (action.yml against the tables in src/action), input parsing,
// the job summary's chart, annotations and the JUnit report.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { failureAnnotations, MAX_ANNOTATIONS } from '../src/action/annotations.js';
import { holdProbeFor, INPUTS, InputError, readInputs, thresholdsFor, type InputName } from '../src/action/inputs.js';
import { escapeXml, renderJUnit } from '../src/action/junit.js';
import { actionOutputs, OUTPUTS } from '../src/action/outputs.js';
import { histogram, renderJobSummary } from '../src/action/summary.js';
import { MAX_P95_DELIVERY_SECONDS_RULE, MIN_SUCCESS_RATE_RULE } from '../src/fields/fields.js';
import { evaluateGate } from '../src/core/gate.js';
import type { FailureReason } from '../src/core/outcome.js';
import { buildReport, type Report } from '../src/core/report.js';
import { summarizeChecks } from '../src/core/summary.js';
import type { RunRecord } from '../src/core/types.js';
import { repoRoot } from './support/cli.js';
import { checkRuns, failedRun, runRecord } from './support/records.js';

interface ActionMetadata {
  name: string;
  description: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { description: string; required?: boolean; default: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

const metadata = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as ActionMetadata;

function reportOf(checks: { name: string; runs: RunRecord[] }[], thresholds = { minSuccessRate: 0.9 }): Report {
  return buildReport({
    checks,
    gate: evaluateGate(summarizeChecks(checks), thresholds),
    startedAt: '2025-03-01T12:00:00.000Z',
    finishedAt: '2025-03-01T12:01:00.000Z',
    location: 'eu-west-1',
    version: '0.1.0',
  });
}

describe('action.yml', () => {
  it('declares exactly the inputs of INPUTS, each with its default and description', () => {
    const declared = Object.fromEntries(Object.entries(metadata.inputs).map(([name, input]) => [name, { default: input.default, description: input.description }]));
    expect(declared).toEqual(INPUTS);
  });

  it('declares exactly the outputs of OUTPUTS, each described', () => {
    expect(metadata.outputs).toEqual(OUTPUTS);
  });

  it('runs the bundle on node24, with a name, description and branding for the Marketplace', () => {
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(metadata.name).toBe('otp-canary');
    expect(metadata.description.length).toBeGreaterThan(20);
    expect(metadata.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
  });

  it('marks no input required, so that every default applies', () => {
    expect(Object.values(metadata.inputs).every((input) => input.required === false)).toBe(true);
  });
});

describe('readInputs', () => {
  const given = (values: Partial<Record<InputName, string>>) => (name: InputName) => values[name] ?? '';

  it('gives every input left empty the default action.yml documents', () => {
    expect(readInputs(given({}))).toEqual({ samples: 20, concurrency: 4, sequential: false, reportPath: 'otp-canary-report.json' });
  });

  it('parses each input into its type, trimming whitespace', () => {
    const inputs = readInputs(
      given({
        config: ' .github/otp-canary.yml ',
        checks: 'signup-us, login-web\nreset',
        samples: '50',
        concurrency: '2',
        'min-success-rate': '0.95',
        'max-p95-delivery-seconds': '30',
        'fail-on-degraded': 'True',
        sequential: 'true',
        'report-path': 'out/report.json',
        'junit-path': 'out/junit.xml',
      }),
    );
    expect(inputs).toEqual({
      configPath: '.github/otp-canary.yml',
      checks: ['signup-us', 'login-web', 'reset'],
      samples: 50,
      concurrency: 2,
      minSuccessRate: 0.95,
      maxP95DeliverySeconds: 30,
      failOnDegraded: true,
      sequential: true,
      reportPath: 'out/report.json',
      junitPath: 'out/junit.xml',
    });
  });

  it.each([
    ['min-success-rate', 'abc', `min-success-rate ${MIN_SUCCESS_RATE_RULE}, got "abc"`],
    ['min-success-rate', '1.5', `min-success-rate ${MIN_SUCCESS_RATE_RULE}, got "1.5"`],
    ['min-success-rate', '0', `min-success-rate ${MIN_SUCCESS_RATE_RULE}, got "0"`],
    ['max-p95-delivery-seconds', '-3', `max-p95-delivery-seconds ${MAX_P95_DELIVERY_SECONDS_RULE}, got "-3"`],
    ['max-p95-delivery-seconds', 'Infinity', `max-p95-delivery-seconds ${MAX_P95_DELIVERY_SECONDS_RULE}, got "Infinity"`],
    ['samples', '2.5', 'samples must be a whole number of at least 1, got "2.5"'],
    ['concurrency', '0', 'concurrency must be a whole number of at least 1, got "0"'],
    ['sequential', 'yes', 'sequential must be true or false, got "yes"'],
    ['fail-on-degraded', '1', 'fail-on-degraded must be true or false, got "1"'],
    ['comment-on-pr', 'yes', 'comment-on-pr must be true or false, got "yes"'],
  ] as const)('refuses %s = "%s", naming the input and the value', (name, value, message) => {
    expect(() => readInputs(given({ [name]: value }))).toThrow(new InputError(message));
  });

  it('takes github-token for the pull request comment when comment-on-pr is true', () => {
    expect(readInputs(given({ 'comment-on-pr': 'true', 'github-token': ' ghs_example ' })).prComment).toEqual({ token: 'ghs_example' });
  });

  it('leaves the github-token the runner always fills in unused when comment-on-pr is false', () => {
    expect(readInputs(given({ 'github-token': 'ghs_example' })).prComment).toBeUndefined();
  });

  it('does not take the ${{ github.token }} default for a token when run by hand: comment-on-pr then says what is missing', () => {
    expect(() => readInputs(given({ 'comment-on-pr': 'true' }))).toThrow(
      new InputError('comment-on-pr is true but github-token is empty: pass a token that may write pull request comments'),
    );
  });
});

describe('holdProbeFor', () => {
  const inputs = (values: Partial<Record<InputName, string>>) => readInputs((name) => values[name] ?? '');
  const configured = { failOnDegraded: false, holdProbe: { url: 'http://probe.monitoring.svc:9477', token: 'config-token', settleSeconds: 5 } };

  it('holds nothing when neither the inputs nor the config name a probe', () => {
    expect(holdProbeFor(inputs({}), { failOnDegraded: false })).toBeUndefined();
  });

  it("takes the URL and the token each from its input, else from the config's gate.holdProbe, and the quiet gap from the config", () => {
    expect(holdProbeFor(inputs({ 'hold-probe-url': 'http://replicas.svc:9477' }), configured)).toEqual({ url: 'http://replicas.svc:9477', token: 'config-token', settleSeconds: 5 });
    expect(holdProbeFor(inputs({ 'hold-probe-token': ' input-token-3c9e8b1a ' }), configured)).toEqual({ url: 'http://probe.monitoring.svc:9477', token: 'input-token-3c9e8b1a', settleSeconds: 5 });
  });

  it.each([
    [{ 'hold-probe-url': 'http://probe:9477' }, "hold-probe-url needs the probe's token: set hold-probe-token from a secret (or the config's gate.holdProbe.token)"],
    [{ 'hold-probe-token': 'probe-token-3c9e8b1a' }, "hold-probe-token is set but no probe is: set hold-probe-url (or the config's gate.holdProbe)"],
  ] as const)('refuses half a probe (%o), naming what is missing', (values, message) => {
    expect(() => holdProbeFor(inputs(values), { failOnDegraded: false })).toThrow(new InputError(message));
  });

  it('refuses a URL that is not http(s) without echoing it', () => {
    expect(() => inputs({ 'hold-probe-url': 'ftp://user:pa55@probe' })).toThrow(new InputError('hold-probe-url must be an absolute http:// or https:// URL'));
  });

  it("refuses a hold-probe-token shorter than probe.token may be, by the config's rule, saying its length and never its value", () => {
    expect(() => inputs({ 'hold-probe-url': 'http://probe:9477', 'hold-probe-token': 'tok-3f9a' })).toThrow(
      new InputError('hold-probe-token must be at least 16 characters (got 8)'),
    );
  });

  it('refuses the hold inputs in mode prometheus, which sends nothing', () => {
    expect(() => inputs({ mode: 'prometheus', 'prometheus-url': 'http://prometheus:9090', 'hold-probe-url': 'http://probe:9477' })).toThrow(
      new InputError('hold-probe-url and hold-probe-token apply to mode run: mode prometheus sends nothing, so it holds nothing'),
    );
  });
});

describe('thresholdsFor', () => {
  it("takes each threshold from its input, else from the config's gate block", () => {
    const inputs = readInputs((name) => (name === 'min-success-rate' ? '0.99' : ''));
    expect(thresholdsFor(inputs, { minSuccessRate: 0.9, maxP95DeliverySeconds: 20, failOnDegraded: true })).toEqual({
      minSuccessRate: 0.99,
      maxP95DeliverySeconds: 20,
      failOnDegraded: true,
    });
  });
});

describe('the delivery latency histogram', () => {
  it('uses a round bucket width giving at most 10 bars and counts every value once', () => {
    const values = [0.05, 0.12, 0.19, 0.2, 0.41, 0.95];
    const buckets = histogram(values);
    expect(buckets.map((bucket) => bucket.label)).toEqual(['0.0-0.1', '0.1-0.2', '0.2-0.3', '0.3-0.4', '0.4-0.5', '0.5-0.6', '0.6-0.7', '0.7-0.8', '0.8-0.9', '0.9-1.0']);
    expect(buckets.map((bucket) => bucket.count)).toEqual([1, 2, 1, 0, 1, 0, 0, 0, 0, 1]);
  });

  it('widens the buckets for slow carriers', () => {
    expect(histogram([3, 12, 47]).map((bucket) => bucket.label)).toEqual(['0-5', '5-10', '10-15', '15-20', '20-25', '25-30', '30-35', '35-40', '40-45', '45-50']);
  });

  it('is drawn in the summary as a Mermaid bar chart', () => {
    const report = reportOf([{ name: 'signup-us', runs: checkRuns('signup-us', { successes: 3, deliverySeconds: 4.2 }) }]);
    expect(renderJobSummary(report, { source: 'test', samples: 3 })).toContain(
      '```mermaid\nxychart-beta\n    title "SMS delivery latency, all checks (n=3)"\n    x-axis "seconds" ["0.0-0.5", "0.5-1.0", "1.0-1.5", "1.5-2.0", "2.0-2.5", "2.5-3.0", "3.0-3.5", "3.5-4.0", "4.0-4.5"]\n    y-axis "runs" 0 --> 3\n    bar [0, 0, 0, 0, 0, 0, 0, 0, 3]\n```',
    );
  });
});

describe('failure annotations', () => {
  it('groups failed runs by check and reason: an error where the check missed the gate', () => {
    const runs = [...checkRuns('signup-us', { successes: 7 }), failedRun('sms_not_received'), failedRun('sms_not_received'), failedRun('code_rejected')];
    const annotations = failureAnnotations(reportOf([{ name: 'signup-us', runs }]));
    expect(annotations).toEqual([
      {
        level: 'error',
        title: 'signup-us: 2 × sms_not_received',
        message: '2 of 10 runs failed at deliver with sms_not_received: nothing arrived within the delivery timeout (the target).',
      },
      { level: 'error', title: 'signup-us: 1 × code_rejected', message: expect.stringContaining('1 of 10 runs failed at verify with code_rejected') },
    ]);
  });

  it("is a warning where the check passed anyway, and says when the failure is otp-canary's side", () => {
    const runs = [...checkRuns('signup-us', { successes: 19 }), failedRun('inbox_error', { detail: 'mailslurp answered 503' })];
    expect(failureAnnotations(reportOf([{ name: 'signup-us', runs }]))).toEqual([
      {
        level: 'warning',
        title: 'signup-us: 1 × inbox_error',
        message: "1 of 20 runs failed at deliver with inbox_error: the receiving provider's API failed (otp-canary's side, not the target's). First: mailslurp answered 503.",
      },
    ]);
  });

  it(`stops at ${MAX_ANNOTATIONS}, the last one naming the groups left out`, () => {
    const reasons: FailureReason[] = ['trigger_rejected', 'trigger_error', 'sms_undelivered', 'sms_not_received', 'sms_late', 'code_not_found', 'code_rejected', 'code_expired', 'verify_error', 'verify_rate_limited', 'inbox_error', 'internal_error'];
    const runs = reasons.map((reason) => failedRun(reason));
    const annotations = failureAnnotations(reportOf([{ name: 'signup-us', runs }]));
    expect(annotations).toHaveLength(MAX_ANNOTATIONS);
    expect(annotations.at(-1)).toMatchObject({ title: '3 more failure groups', message: expect.stringMatching(/^3 more failed runs: signup-us: 1 × \w+, signup-us: 1 × \w+, signup-us: 1 × \w+\./) });
  });

  it('leaves out cancelled runs, which say nothing about the target', () => {
    const runs = [runRecord(), failedRun('internal_error', { cancelled: true })];
    expect(failureAnnotations(reportOf([{ name: 'signup-us', runs }]))).toEqual([]);
  });
});

describe('the outputs', () => {
  it('say passed=false for a run cut short, even with no threshold to miss', () => {
    const { gate: _gate, ...measured } = reportOf([{ name: 'signup-us', runs: checkRuns('signup-us', { successes: 3 }) }]);
    expect(actionOutputs(measured, '/report.json').passed).toBe('true');
    expect(actionOutputs({ ...measured, incomplete: { reason: 'interrupted by SIGINT', finished: 3, planned: 20 } }, '/report.json').passed).toBe('false');
  });
});

describe('the JUnit report', () => {
  const runs = [
    runRecord({ check: 'signup-us' }),
    failedRun('trigger_rejected', { check: 'signup-us', detail: 'refused with 403: <error code="blocked"> & \'more\'\u0001', providerCode: '21408' }),
    failedRun('internal_error', { check: 'signup-us', cancelled: true }),
  ];
  const xml = renderJUnit(reportOf([{ name: 'signup-us', runs }]));

  it('has one test case per run, the failure carrying its reason and escaped detail', () => {
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toContain('<testsuite name="signup-us" tests="3" failures="1" errors="0" skipped="1"');
    expect(xml).toContain(
      '<failure type="trigger_rejected" message="trigger_rejected at trigger">refused with 403: &lt;error code=&quot;blocked&quot;&gt; &amp; &apos;more&apos;\uFFFD (provider code 21408)</failure>',
    );
    expect(xml).toContain('<skipped message="cancelled before it finished"/>');
  });

  it('is well-formed XML', () => {
    expect(wellFormednessProblems(xml)).toEqual([]);
  });

  it('says in every suite when the gate was cut short, with the counts', () => {
    const incomplete = { reason: 'interrupted by SIGINT', signal: 'SIGINT', finished: 2, planned: 20 } as const;
    const cut = renderJUnit({ ...reportOf([{ name: 'signup-us', runs }, { name: 'login', runs: [] }]), incomplete });
    expect(cut.match(/<property name="otp-canary.incomplete" value="interrupted by SIGINT after 2 of 20 runs"\/>/g)).toHaveLength(2);
    expect(wellFormednessProblems(cut)).toEqual([]);
  });

  it('escapes what XML reserves and replaces what XML 1.0 cannot hold', () => {
    expect(escapeXml(`a<b>&"'\u0000\u001f\t\n`)).toBe('a&lt;b&gt;&amp;&quot;&apos;\uFFFD\uFFFD\t\n');
  });
});

/**
 * Enough of an XML parser to prove well-formedness of what renderJUnit writes: a declaration, then
 * elements that nest, quoted attributes without raw `<` or `&`, and text with only known entities.
 */
function wellFormednessProblems(xml: string): string[] {
  const problems: string[] = [];
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  if (body === xml) problems.push('no XML declaration');
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const match of body.matchAll(token)) {
    const [, closing, name, attributes, selfClosing, text, strayLt] = match;
    if (strayLt !== undefined) problems.push(`a stray "<" at ${match.index}`);
    const checked = text ?? attributes ?? '';
    if (/&(?!(?:amp|lt|gt|quot|apos);)/.test(checked)) problems.push(`a bare "&" at ${match.index}`);
    if (name === undefined) continue;
    if (closing) {
      if (stack.pop() !== name) problems.push(`</${name}> closes nothing open`);
    } else if (!selfClosing) {
      stack.push(name);
    }
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  return problems;
}
