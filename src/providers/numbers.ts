// The number provisioners the CLI's `numbers` command can drive, by provider name. Each takes its
// credentials from environment variables (never from flags, which land in shell history and `ps`).

import type { NumberProvisioner } from '../core/numbers.js';
import { createMailSlurpProvisioner } from './mailslurp/numbers.js';
import { EnvironmentVariableError } from './number-errors.js';
import { createTwilioNumbers } from './twilio/numbers.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** Deadline of each provisioning request. */
const REQUEST_TIMEOUT_MS = 30_000;

export const NUMBER_PROVISIONERS: Readonly<Record<string, (env: Environment) => NumberProvisioner>> = {
  /** TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or TWILIO_API_KEY + TWILIO_API_SECRET; TWILIO_BASE_URL for an edge or a fake. */
  twilio: (env) => {
    const accountSid = requireEnv(env, 'TWILIO_ACCOUNT_SID', 'twilio');
    const apiKeySid = nonEmpty(env.TWILIO_API_KEY);
    const credentials = apiKeySid
      ? { accountSid, apiKey: { sid: apiKeySid, secret: requireEnv(env, 'TWILIO_API_SECRET', 'twilio') } }
      : { accountSid, authToken: requireEnv(env, 'TWILIO_AUTH_TOKEN', 'twilio') };
    const baseUrl = optionalUrl(env, 'TWILIO_BASE_URL');
    return createTwilioNumbers({ credentials, timeoutMs: REQUEST_TIMEOUT_MS, ...(baseUrl && { baseUrl }) });
  },
  /** MAILSLURP_API_KEY; MAILSLURP_BASE_URL for a proxy or a fake. */
  mailslurp: (env) => {
    const apiKey = requireEnv(env, 'MAILSLURP_API_KEY', 'mailslurp');
    const baseUrl = optionalUrl(env, 'MAILSLURP_BASE_URL');
    return createMailSlurpProvisioner({ apiKey, timeoutMs: REQUEST_TIMEOUT_MS, ...(baseUrl && { baseUrl }) });
  },
};

export function requireEnv(env: Environment, variable: string, provider: string): string {
  const value = nonEmpty(env[variable]);
  if (value === undefined) throw new EnvironmentVariableError(variable, `${provider} numbers need the environment variable ${variable}`);
  return value;
}

function optionalUrl(env: Environment, variable: string): string | undefined {
  const value = nonEmpty(env[variable]);
  if (value !== undefined && !(URL.canParse(value) && /^https?:$/.test(new URL(value).protocol))) {
    throw new EnvironmentVariableError(variable, `${variable} must be an absolute http:// or https:// URL`);
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
