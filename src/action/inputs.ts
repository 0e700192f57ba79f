// The Action's inputs, parsed once at the edge into a typed object. INPUTS is the one place their
// defaults live: the runner fills action.yml's defaults in, but `node dist/index.js` run by hand does
// not, so readInputs applies the same ones (a test keeps action.yml equal to this table).

import { MIN_TOKEN_LENGTH, parseThreshold, secretProblem, type GateThresholdName } from '../fields/fields.js';
import type { GateConfig } from '../config/schema.js';
import type { GateThresholds } from '../core/gate.js';
import { isCheckName, parsePromqlDuration } from '../prometheus/queries.js';

export interface InputSpec {
  /** What action.yml documents as the default; '' means "not set". */
  readonly default: string;
  readonly description: string;
}

export const INPUTS = {
  mode: {
    default: 'run',
    description: "run: send OTPs now and gate on them. prometheus: send nothing; gate on what the otp-canary probe recorded in Prometheus over the last window.",
  },
  config: {
    default: '',
    description: 'Path to the otp-canary.yml config. Empty: the demo checks against the embedded sandbox (no accounts, no real SMS). In mode prometheus only its gate block is read, and empty means no config.',
  },
  checks: {
    default: '',
    description: 'Names of the checks to run (in mode prometheus, to read), separated by commas or newlines. Empty: every check in the config (in mode prometheus, every check Prometheus has series for).',
  },
  samples: {
    default: '20',
    description: 'Runs (SMS sent) per check. With sequential: true, the most it may send: at least what the fixed-N test with the same error rates sends (206 at min-success-rate 0.95).',
  },
  concurrency: {
    default: '4',
    description: 'Runs in flight at once across all checks; runs on one number always take turns.',
  },
  'min-success-rate': {
    default: '',
    description: "Fail when a check's success rate (success + degraded over the finished runs that exercised the target) is below this, greater than 0 and at most 1. Empty: the config's gate.minSuccessRate, else not checked.",
  },
  'max-p95-delivery-seconds': {
    default: '',
    description: "Fail when a check's nearest-rank p95 SMS delivery latency is above this many seconds. Empty: the config's gate.maxP95DeliverySeconds, else not checked.",
  },
  'fail-on-degraded': {
    default: '',
    description: "true: a single degraded run (slower than the check's degradedAfter) fails the gate. Empty: the config's gate.failOnDegraded (false unless set).",
  },
  sequential: {
    default: 'false',
    description: "true: stop sending once Wald's sequential test decides the success rate (needs min-success-rate below 1, and samples large enough to hold its 5% error rates); samples is the cap.",
  },
  'report-path': {
    default: 'otp-canary-report.json',
    description: 'Where to write the JSON report (the CLI\'s format), relative to the working directory.',
  },
  'junit-path': {
    default: '',
    description: 'Where to write a JUnit XML report, one test case per run. Empty: not written. Not written in mode prometheus, which has no runs of its own.',
  },
  'prometheus-url': {
    default: '',
    description: 'mode prometheus: base URL of the Prometheus that scrapes the probe, e.g. https://prometheus.example.com (a path prefix is kept). Required in that mode.',
  },
  window: {
    default: '1h',
    description: 'mode prometheus: how far back to look, as a PromQL duration (5m, 1h, 1h30m, 3d).',
  },
  'min-runs': {
    default: '10',
    description: "mode prometheus: fail when a check has fewer runs than this in the window (runs that failed on otp-canary's own side do not count).",
  },
  'bearer-token': {
    default: '',
    description: 'mode prometheus: sent as Authorization: Bearer <token> to Prometheus; masked in the log. Pass it from a secret.',
  },
  'hold-probe-url': {
    default: '',
    description: "mode run: base URL of the otp-canary probe that shares the checks' numbers; every replica behind it holds them while the gate runs. Empty: the config's gate.holdProbe.url, else no hold.",
  },
  'hold-probe-token': {
    default: '',
    description: "mode run: the probe's probe.token (at least 16 characters), for its hold API; masked in the log. Pass it from a secret. Empty: the config's gate.holdProbe.token.",
  },
  'comment-on-pr': {
    default: 'false',
    description: 'true: on a pull_request or pull_request_target event, post the verdict and the per-check table as one comment on the pull request, updated in place on re-runs. Needs permissions: pull-requests: write; without it the step warns and its verdict stands. Ignored on other events.',
  },
  'github-token': {
    default: '${{ github.token }}',
    description: 'The token comment-on-pr posts with; masked in the log.',
  },
} as const satisfies Record<string, InputSpec>;

export type InputName = keyof typeof INPUTS;

export interface PrometheusInputs {
  /** An http(s) URL without credentials. */
  readonly url: string;
  /** A PromQL duration, as given: "1h". */
  readonly window: string;
  readonly windowMs: number;
  readonly minRuns: number;
  readonly bearerToken?: string;
}

export interface ActionInputs {
  /** Set exactly when mode is prometheus: read the probe's record instead of running checks. */
  readonly prometheus?: PrometheusInputs;
  /** Absent: the demo config. */
  readonly configPath?: string;
  /** Absent: every check. */
  readonly checks?: readonly string[];
  readonly samples: number;
  readonly concurrency: number;
  readonly minSuccessRate?: number;
  readonly maxP95DeliverySeconds?: number;
  readonly failOnDegraded?: boolean;
  readonly sequential: boolean;
  readonly reportPath: string;
  /** Absent: no JUnit report. */
  readonly junitPath?: string;
  /** Either may be absent: the config's gate.holdProbe fills it in (holdProbeFor). */
  readonly holdProbe?: { readonly url?: string; readonly token?: string };
  /** Set exactly when comment-on-pr is true: the token to post the pull request comment with. */
  readonly prComment?: { readonly token: string };
}

/** A malformed input; its message names the input and the value given. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** `read` returns an input's raw value, '' when not given (like core.getInput). */
export function readInputs(read: (name: InputName) => string): ActionInputs {
  const raw = (name: InputName): string => {
    const value = read(name).trim();
    return value === '' ? defaultOf(name) : value;
  };
  const optional = <T>(name: InputName, parse: (name: InputName, value: string) => T): T | undefined => {
    const value = raw(name);
    return value === '' ? undefined : parse(name, value);
  };
  const checks = optional('checks', (_, value) => value.split(/[,\n]/).map((item) => item.trim()).filter(Boolean));
  const configPath = optional('config', (_, value) => value);
  const minSuccessRate = optional('min-success-rate', gateThreshold('minSuccessRate'));
  const maxP95DeliverySeconds = optional('max-p95-delivery-seconds', gateThreshold('maxP95DeliverySeconds'));
  const failOnDegraded = optional('fail-on-degraded', boolean);
  const junitPath = optional('junit-path', (_, value) => value);
  const holdProbeUrl = optional('hold-probe-url', httpUrl);
  const holdProbeToken = optional('hold-probe-token', probeToken);
  const mode = oneOf('mode', raw('mode'), ['run', 'prometheus'] as const);
  const sequential = boolean('sequential', raw('sequential'));
  const prComment = boolean('comment-on-pr', raw('comment-on-pr')) ? prCommentInputs(raw('github-token')) : undefined;
  const prometheus = mode === 'prometheus' ? prometheusInputs(raw, checks ?? [], sequential) : refusePrometheusOnly(raw);
  if (prometheus !== undefined && (holdProbeUrl !== undefined || holdProbeToken !== undefined)) {
    throw new InputError('hold-probe-url and hold-probe-token apply to mode run: mode prometheus sends nothing, so it holds nothing');
  }
  return {
    ...(prometheus !== undefined && { prometheus }),
    ...(configPath !== undefined && { configPath }),
    ...(checks !== undefined && checks.length > 0 && { checks }),
    samples: positiveInteger('samples', raw('samples')),
    concurrency: positiveInteger('concurrency', raw('concurrency')),
    ...(minSuccessRate !== undefined && { minSuccessRate }),
    ...(maxP95DeliverySeconds !== undefined && { maxP95DeliverySeconds }),
    ...(failOnDegraded !== undefined && { failOnDegraded }),
    sequential,
    reportPath: raw('report-path'),
    ...(junitPath !== undefined && { junitPath }),
    ...((holdProbeUrl !== undefined || holdProbeToken !== undefined) && {
      holdProbe: { ...(holdProbeUrl !== undefined && { url: holdProbeUrl }), ...(holdProbeToken !== undefined && { token: holdProbeToken }) },
    }),
    ...(prComment !== undefined && { prComment }),
  };
}

/** A default that is a workflow expression (`${{ github.token }}`) is the runner's to fill in: run by hand, it is not set. */
function defaultOf(name: InputName): string {
  const value: string = INPUTS[name].default;
  return value.startsWith('${{') ? '' : value;
}

function prCommentInputs(token: string): { token: string } {
  if (token === '') throw new InputError('comment-on-pr is true but github-token is empty: pass a token that may write pull request comments');
  return { token };
}

function prometheusInputs(raw: (name: InputName) => string, checks: readonly string[], sequential: boolean): PrometheusInputs {
  if (sequential) throw new InputError('sequential: true applies to mode run: mode prometheus sends nothing, it reads what the probe recorded');
  const invalid = checks.find((check) => !isCheckName(check));
  if (invalid !== undefined) throw new InputError(`checks: "${invalid}" is not a check name (a-z, 0-9, "_", "." and "-", starting with a letter or digit)`);
  const url = raw('prometheus-url');
  if (url === '') throw new InputError('mode prometheus needs prometheus-url: the Prometheus that scrapes the otp-canary probe');
  const window = raw('window');
  const windowMs = parsePromqlDuration(window);
  if (windowMs === undefined) throw new InputError(`window must be a PromQL duration such as 5m, 1h or 1h30m, got "${window}"`);
  const bearerToken = raw('bearer-token');
  return {
    url: prometheusUrl(url),
    window,
    windowMs,
    minRuns: positiveInteger('min-runs', raw('min-runs')),
    ...(bearerToken !== '' && { bearerToken }),
  };
}

/** An input only mode prometheus reads is a mistake in mode run: say so rather than ignore it. */
function refusePrometheusOnly(raw: (name: InputName) => string): undefined {
  for (const name of ['prometheus-url', 'bearer-token'] as const) {
    if (raw(name) !== '') throw new InputError(`${name} is only read in mode prometheus, and mode is run`);
  }
  return undefined;
}

/** Where mode run holds its numbers: each input, else the config's gate.holdProbe; undefined for no hold. */
export function holdProbeFor(inputs: ActionInputs, gate: GateConfig): { readonly url: string; readonly token: string; readonly settleSeconds?: number } | undefined {
  const url = inputs.holdProbe?.url ?? gate.holdProbe?.url;
  const token = inputs.holdProbe?.token ?? gate.holdProbe?.token;
  if (url === undefined) {
    if (inputs.holdProbe?.token !== undefined) throw new InputError('hold-probe-token is set but no probe is: set hold-probe-url (or the config\'s gate.holdProbe)');
    return undefined;
  }
  if (token === undefined) throw new InputError('hold-probe-url needs the probe\'s token: set hold-probe-token from a secret (or the config\'s gate.holdProbe.token)');
  return { url, token, ...(gate.holdProbe && { settleSeconds: gate.holdProbe.settleSeconds }) };
}

/** The value is not echoed: a URL can carry a password. */
function httpUrl(name: InputName, value: string): string {
  if (!URL.canParse(value) || !['http:', 'https:'].includes(new URL(value).protocol)) throw new InputError(`${name} must be an absolute http:// or https:// URL`);
  return value;
}

/** The value is not echoed: a URL can carry a password. */
function prometheusUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new InputError('prometheus-url must be an absolute http:// or https:// URL', { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`prometheus-url must be an http:// or https:// URL, got ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw new InputError('prometheus-url must not carry credentials: pass a token in bearer-token');
  if (url.search !== '' || url.hash !== '') throw new InputError('prometheus-url must be a base URL, without a query or fragment');
  return url.href;
}

/** The thresholds the gate judges: each input, else the config's gate block. */
export function thresholdsFor(inputs: ActionInputs, gate: GateConfig): GateThresholds {
  return {
    minSuccessRate: inputs.minSuccessRate ?? gate.minSuccessRate,
    maxP95DeliverySeconds: inputs.maxP95DeliverySeconds ?? gate.maxP95DeliverySeconds,
    failOnDegraded: inputs.failOnDegraded ?? gate.failOnDegraded,
  };
}

/** The probe's probe.token, by the config's rule for it; the value is not echoed. */
function probeToken(name: InputName, value: string): string {
  const problem = secretProblem(value, MIN_TOKEN_LENGTH);
  if (problem !== undefined) throw new InputError(`${name} ${problem}`);
  return value;
}

function positiveInteger(name: InputName, value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1) {
    throw new InputError(`${name} must be a whole number of at least 1, got "${value}"`);
  }
  return number;
}

/** A gate threshold input, refused by the rule of its config field (the CLI's flag says the same). */
function gateThreshold(threshold: GateThresholdName): (name: InputName, value: string) => number {
  return (name, value) => {
    const parsed = parseThreshold(threshold, name, value);
    if ('refusal' in parsed) throw new InputError(parsed.refusal);
    return parsed.value;
  };
}

function oneOf<const T extends readonly string[]>(name: InputName, value: string, allowed: T): T[number] {
  if (!isOneOf(value, allowed)) throw new InputError(`${name} must be ${allowed.join(' or ')}, got "${value}"`);
  return value;
}

/** The YAML 1.2 core schema booleans, as core.getBooleanInput accepts them. */
function boolean(name: InputName, value: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(`${name} must be true or false, got "${value}"`);
}

function isOneOf<const T extends readonly string[]>(value: string, allowed: T): value is T[number] {
  return allowed.includes(value);
}
