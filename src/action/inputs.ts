// The Action's inputs, parsed once at the edge into a typed object. INPUTS is the one place their
// defaults live: the runner fills action.yml's defaults in, but `node dist/index.js` run by hand does
// not, so readInputs applies the same ones (a test keeps action.yml equal to this table).

import type { GateConfig } from '../config/schema.js';
import type { GateThresholds } from '../core/gate.js';

export interface InputSpec {
  /** What action.yml documents as the default; '' means "not set". */
  readonly default: string;
  readonly description: string;
}

export const INPUTS = {
  config: {
    default: '',
    description: 'Path to the otp-canary.yml config. Empty: the demo checks against the embedded sandbox (no accounts, no real SMS).',
  },
  checks: {
    default: '',
    description: 'Names of the checks to run, separated by commas or newlines. Empty: every check in the config.',
  },
  samples: {
    default: '20',
    description: 'Runs (SMS sent) per check. With sequential: true, the most it may send.',
  },
  concurrency: {
    default: '4',
    description: 'Runs in flight at once across all checks; runs on one number always take turns.',
  },
  'min-success-rate': {
    default: '',
    description: "Fail when a check's success rate (success + degraded over finished runs) is below this, from 0 to 1. Empty: the config's gate.minSuccessRate, else not checked.",
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
    description: "true: stop sending once Wald's sequential test decides the success rate (needs min-success-rate below 1); samples is the cap.",
  },
  'report-path': {
    default: 'otp-canary-report.json',
    description: 'Where to write the JSON report (the CLI\'s format), relative to the working directory.',
  },
  'junit-path': {
    default: '',
    description: 'Where to write a JUnit XML report, one test case per run. Empty: not written.',
  },
} as const satisfies Record<string, InputSpec>;

export type InputName = keyof typeof INPUTS;

export interface ActionInputs {
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
}

/** A malformed input; its message names the input and the value given. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** `read` returns an input's raw value, '' when not given (like core.getInput). */
export function readInputs(read: (name: InputName) => string): ActionInputs {
  const raw = (name: InputName): string => {
    const value = read(name).trim();
    return value === '' ? INPUTS[name].default : value;
  };
  const optional = <T>(name: InputName, parse: (name: InputName, value: string) => T): T | undefined => {
    const value = raw(name);
    return value === '' ? undefined : parse(name, value);
  };
  const checks = optional('checks', (_, value) => value.split(/[,\n]/).map((item) => item.trim()).filter(Boolean));
  const configPath = optional('config', (_, value) => value);
  const minSuccessRate = optional('min-success-rate', rate);
  const maxP95DeliverySeconds = optional('max-p95-delivery-seconds', positiveNumber);
  const failOnDegraded = optional('fail-on-degraded', boolean);
  const junitPath = optional('junit-path', (_, value) => value);
  return {
    ...(configPath !== undefined && { configPath }),
    ...(checks !== undefined && checks.length > 0 && { checks }),
    samples: positiveInteger('samples', raw('samples')),
    concurrency: positiveInteger('concurrency', raw('concurrency')),
    ...(minSuccessRate !== undefined && { minSuccessRate }),
    ...(maxP95DeliverySeconds !== undefined && { maxP95DeliverySeconds }),
    ...(failOnDegraded !== undefined && { failOnDegraded }),
    sequential: boolean('sequential', raw('sequential')),
    reportPath: raw('report-path'),
    ...(junitPath !== undefined && { junitPath }),
  };
}

/** The thresholds the gate judges: each input, else the config's gate block. */
export function thresholdsFor(inputs: ActionInputs, gate: GateConfig): GateThresholds {
  return {
    minSuccessRate: inputs.minSuccessRate ?? gate.minSuccessRate,
    maxP95DeliverySeconds: inputs.maxP95DeliverySeconds ?? gate.maxP95DeliverySeconds,
    failOnDegraded: inputs.failOnDegraded ?? gate.failOnDegraded,
  };
}

function positiveInteger(name: InputName, value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1) {
    throw new InputError(`${name} must be a whole number of at least 1, got "${value}"`);
  }
  return number;
}

/** A success rate threshold: 0 would pass anything, so it is refused with the rest. */
function rate(name: InputName, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || number > 1) {
    throw new InputError(`${name} must be a number between 0 and 1, got "${value}"`);
  }
  return number;
}

function positiveNumber(name: InputName, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InputError(`${name} must be a number greater than 0, got "${value}"`);
  return number;
}

/** The YAML 1.2 core schema booleans, as core.getBooleanInput accepts them. */
function boolean(name: InputName, value: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(`${name} must be true or false, got "${value}"`);
}
