// Where `otp-canary run` holds its numbers: --hold-probe URL, else the config's gate.holdProbe. The
// token is the config's gate.holdProbe.token, else the environment's OTP_CANARY_PROBE_TOKEN (never a
// flag: command lines are visible to every user of the machine).

import { hostname } from 'node:os';
import { MIN_TOKEN_LENGTH, secretProblem } from '../fields/fields.js';
import type { Config } from '../config/schema.js';
import type { GateProbeHold } from '../wiring/gate-run.js';
import { UsageError } from './errors.js';

export const PROBE_TOKEN_ENV = 'OTP_CANARY_PROBE_TOKEN';

export function holdProbeFrom(flag: string | undefined, config: Config, env: NodeJS.ProcessEnv): GateProbeHold | undefined {
  const configured = config.gate.holdProbe;
  const url = flag ?? configured?.url;
  if (url === undefined) return undefined;
  if (flag !== undefined && !isHttpUrl(flag)) throw new UsageError('--hold-probe must be the probe\'s absolute http:// or https:// URL');
  const token = configured?.token ?? env[PROBE_TOKEN_ENV];
  if (token === undefined || token === '') {
    throw new UsageError(`--hold-probe needs the probe's token: set gate.holdProbe.token in the config or ${PROBE_TOKEN_ENV} in the environment`);
  }
  // The config's token was checked with the config; the environment's is checked here, by the same rule.
  const problem = configured === undefined ? secretProblem(token, MIN_TOKEN_LENGTH) : undefined;
  if (problem !== undefined) throw new UsageError(`${PROBE_TOKEN_ENV}: ${problem}`);
  return { url, token, holder: `otp-canary run on ${hostname()} (pid ${process.pid})`, ...(configured && { settleSeconds: configured.settleSeconds }) };
}

function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && ['http:', 'https:'].includes(new URL(text).protocol);
}
