// The secret values a config holds, for faces that must mask them in their output (the Action hands
// each to the runner's setSecret). Two sources: whatever `${VAR}` brought in from the environment,
// and credential-like fields written in clear in the file.

import { parseDocument } from 'yaml';
import { interpolateEnv } from './env.js';
import type { Config } from './schema.js';

/** Field and header names whose string values are credentials (authToken, secret, Authorization, X-Api-Key…). */
const CREDENTIAL_KEY = /authorization|cookie|token|secret|password|passwd|api[-_]?key|credential|signature/i;

/**
 * Every secret value of a loaded config: the values of the environment variables its text refers to
 * with `${NAME}`, and every credential-like field of the parsed config (including header values and
 * passwords in URLs). Deduplicated; empty strings left out.
 */
export function configSecrets(config: Config, source?: { readonly text: string; readonly env: NodeJS.ProcessEnv }): string[] {
  const secrets = new Set<string>(source ? interpolatedValues(source.text, source.env) : []);
  collectCredentials(config, undefined, secrets);
  secrets.delete('');
  return [...secrets];
}

/**
 * The values `${NAME}` references in the config text resolve to. The references are found by running
 * the interpolation itself over an environment that records what it is asked for, so the rules
 * (`$${` escapes, what counts as a name) are exactly the loader's.
 */
export function interpolatedValues(text: string, env: NodeJS.ProcessEnv): string[] {
  const tree: unknown = parseDocument(text).toJS();
  const names = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') names.add(name);
      return target[name as string];
    },
  });
  interpolateEnv(tree, recording);
  return [...names].flatMap((name) => {
    const value = env[name];
    return value === undefined || value === '' ? [] : [value];
  });
}

function collectCredentials(node: unknown, key: string | undefined, secrets: Set<string>): void {
  if (typeof node === 'string') {
    if (key !== undefined && CREDENTIAL_KEY.test(key)) secrets.add(node);
    const password = urlPassword(node);
    if (password !== undefined) secrets.add(password);
    return;
  }
  if (Array.isArray(node)) {
    for (const item of node) collectCredentials(item, key, secrets);
    return;
  }
  if (typeof node === 'object' && node !== null) {
    for (const [childKey, value] of Object.entries(node)) collectCredentials(value, childKey, secrets);
  }
}

/** `https://user:pa55@host/…` → `pa55`. */
function urlPassword(text: string): string | undefined {
  if (!/^https?:\/\/[^/]*@/i.test(text)) return undefined;
  try {
    const password = decodeURIComponent(new URL(text).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}
