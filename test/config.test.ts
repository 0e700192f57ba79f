import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ConfigError,
  loadConfig,
  parseConfig,
  parseDuration,
  parseSize,
  toCheckSpec,
  type ConfigProblem,
} from '../src/config/index.js';
import { DEFAULT_SANDBOX_OPTIONS } from '../src/sandbox/options.js';

const SANDBOX_CHECK = `
  - name: signup-us
    number: "+15555550100"
    trigger: { type: sandbox }
    inbox: { type: sandbox }
    verify: { type: sandbox }`;

/** A config with one sandbox check, plus `extra` lines indented as the check's own fields. */
function oneCheck(extra = ''): string {
  return `checks:${SANDBOX_CHECK}\n${extra}`;
}

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): readonly ConfigProblem[] {
  try {
    parseConfig(text, { env, source: 'otp-canary.yml' });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

function problem(path: string, message: string | RegExp) {
  return expect.objectContaining({ path, message: typeof message === 'string' ? message : expect.stringMatching(message) });
}

describe('defaults', () => {
  test('a check with only its providers gets the documented timeouts, policy, extraction and controls', () => {
    const [check] = parseConfig(oneCheck(), { env: {} }).checks;
    expect(check).toEqual({
      name: 'signup-us',
      number: '+15555550100',
      trigger: { type: 'sandbox' },
      inbox: { type: 'sandbox', mode: 'poll', pollIntervalMs: 250 },
      verify: { type: 'sandbox' },
      extract: {},
      timeouts: { deliveryMs: 60_000, totalMs: 120_000, stepMs: 10_000 },
      degradedAfterMs: undefined,
      policy: { ttlMs: 300_000, resendWindowMs: 30_000, maxAttempts: 5 },
      controls: [],
    });
  });

  test('the top level defaults to location "local", the default sandbox, no gate thresholds and the probe on 9477', () => {
    const config = parseConfig(oneCheck(), { env: {} });
    expect(config.location).toBe('local');
    expect(config.sandbox).toEqual(DEFAULT_SANDBOX_OPTIONS);
    expect(config.gate).toEqual({ failOnDegraded: false });
    expect(config.probe).toEqual({ port: 9477, host: '0.0.0.0', recentRuns: 500, webhookReplays: { maxEntries: 10_000, maxAgeMs: 7 * 24 * 3_600_000 } });
  });

  test('a partial sandbox block is merged over the defaults and renamed into SandboxOptions', () => {
    const config = parseConfig(
      `sandbox:\n  seed: 7\n  carrier: { delay: { p95: 8s }, loss: 0.1 }\n  faults: { send: { error: 0.5 }, retryAfter: 1500ms }\n${oneCheck()}`,
      { env: {} },
    );
    expect(config.sandbox).toEqual({
      ...DEFAULT_SANDBOX_OPTIONS,
      seed: 7,
      carrier: { ...DEFAULT_SANDBOX_OPTIONS.carrier, delayP95Ms: 8_000, loss: 0.1 },
      faults: { ...DEFAULT_SANDBOX_OPTIONS.faults, send: { ...DEFAULT_SANDBOX_OPTIONS.faults.send, error: 0.5 }, retryAfterSeconds: 2 },
    });
  });

  test("the sandbox's own cross-field rules are reported at sandbox", () => {
    expect(problemsOf(`sandbox: { carrier: { delay: { median: 10s } } }\n${oneCheck()}`)).toEqual([
      problem('sandbox', /^carrier\.delayP95Ms: must not be below delayMedianMs/),
    ]);
  });

  test('an http step without its own timeout gets the check step timeout', () => {
    const config = parseConfig(
      oneCheck().replace(
        'trigger: { type: sandbox }',
        'trigger: { type: http, request: { url: "https://app.example/otp", json: { phone: "{{number}}" } } }',
      ) + '    timeouts: { step: 3s }\n',
      { env: {} },
    );
    expect(config.checks[0]?.trigger).toEqual({
      type: 'http',
      request: { method: 'POST', url: 'https://app.example/otp', json: { phone: '{{number}}' } },
      timeoutMs: 3_000,
    });
  });

  test('toCheckSpec gives the engine the check with the config location', () => {
    const config = parseConfig(`location: eu-west-1\n${oneCheck('    degradedAfter: 20s\n    controls: [single_use]')}`, { env: {} });
    expect(toCheckSpec(config.checks[0]!, config)).toEqual({
      name: 'signup-us',
      number: '+15555550100',
      location: 'eu-west-1',
      extract: {},
      timeouts: { deliveryMs: 60_000, totalMs: 120_000, stepMs: 10_000 },
      degradedAfterMs: 20_000,
      policy: { ttlMs: 300_000, resendWindowMs: 30_000, maxAttempts: 5 },
      controls: ['single_use'],
    });
  });
});

describe('durations and sizes', () => {
  test.each([
    ['250ms', 250],
    ['60s', 60_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['0s', 0],
  ])('%s is %d milliseconds', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each([['10MB', 10_000_000], ['512KiB', 524_288], ['1GiB', 1_073_741_824], ['100B', 100]])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test('a duration written as a bare number is refused with the fix spelled out', () => {
    expect(problemsOf(oneCheck('    timeouts: { delivery: 60 }'))).toEqual([
      problem('checks[0].timeouts.delivery', '60 has no unit: write 60s for seconds or 60ms for milliseconds'),
    ]);
  });

  test('negative and unreadable durations are refused, naming the value', () => {
    expect(problemsOf(oneCheck('    timeouts: { delivery: -5s, total: 2 minutes }'))).toEqual([
      problem('checks[0].timeouts.delivery', '"-5s" is negative: durations are 0 or more'),
      problem('checks[0].timeouts.total', /^"2 minutes" is not a duration: write a number and a unit/),
    ]);
  });

  test('a size without a unit is refused', () => {
    expect(problemsOf(`${oneCheck()}probe: { audit: { path: audit.jsonl, maxBytes: 1000 } }\n`)).toEqual([
      problem('probe.audit.maxBytes', /^1000 has no unit: write 1000B/),
    ]);
  });
});

describe('environment interpolation', () => {
  const webhookCheck = oneCheck().replace('inbox: { type: sandbox }', 'inbox: { type: webhook, format: twilio, authToken: "${TWILIO_AUTH_TOKEN}" }');

  test('${VAR} in a string is replaced by the variable', () => {
    const config = parseConfig(webhookCheck, { env: { TWILIO_AUTH_TOKEN: 'tok-123' } });
    expect(config.checks[0]?.inbox).toMatchObject({ authToken: 'tok-123' });
  });

  test('a missing variable is reported with its name and the path that used it, once', () => {
    expect(problemsOf(webhookCheck, {})).toEqual([
      problem('checks[0].inbox.authToken', 'environment variable TWILIO_AUTH_TOKEN is not set'),
    ]);
  });

  test('an empty variable is refused like a missing one', () => {
    expect(problemsOf(webhookCheck, { TWILIO_AUTH_TOKEN: '' })).toEqual([
      problem('checks[0].inbox.authToken', 'environment variable TWILIO_AUTH_TOKEN is empty'),
    ]);
  });

  test('$${ stands for a literal ${', () => {
    const config = parseConfig(`location: "cost-$\${region}"\n${oneCheck()}`, { env: {} });
    expect(config.location).toBe('cost-${region}');
  });

  test('a variable holding YAML stays a plain string', () => {
    const config = parseConfig(`location: "\${LOCATION}"\n${oneCheck()}`, { env: { LOCATION: 'a: b\nchecks: []' } });
    expect(config.location).toBe('a: b\nchecks: []');
  });
});

describe('phone numbers', () => {
  test('the fictional +1 555 555 01xx numbers are accepted', () => {
    expect(parseConfig(oneCheck().replace('+15555550100', '+15555550199'), { env: {} }).checks[0]?.number).toBe('+15555550199');
  });

  test('a number too short for its country is not E.164', () => {
    expect(problemsOf(oneCheck().replace('+15555550100', '+1555'))).toEqual([
      problem('checks[0].number', /^"\+1555" is not an E\.164 phone number/),
    ]);
  });

  test('a formatted full number is refused without printing it in clear', () => {
    expect(problemsOf(oneCheck().replace('+15555550100', '+1 555 555 0100'))).toEqual([
      problem('checks[0].number', /^"\+1555•••0100" is not an E\.164 phone number: write "\+", the country code and the number, digits only/),
    ]);
  });
});

describe('structure', () => {
  test('gate.holdProbe takes the probe\'s URL and its token, interpolated like any credential', () => {
    const config = parseConfig(`${oneCheck()}\ngate: { holdProbe: { url: "http://probe.svc:9477", token: "\${PROBE_TOKEN}" } }`, { env: { PROBE_TOKEN: 'probe-token-from-env' } });
    expect(config.gate.holdProbe).toEqual({ url: 'http://probe.svc:9477', token: 'probe-token-from-env', settleSeconds: 30 });
  });

  test('gate.holdProbe without a token, with a URL that is not http(s) or a quiet gap past 300s, is refused at the field', () => {
    expect(problemsOf(`${oneCheck()}\ngate: { holdProbe: { url: "probe.svc:9477", settle: 10m } }`)).toEqual([
      problem('gate.holdProbe.url', 'must be an absolute http:// or https:// URL'),
      problem('gate.holdProbe.token', /^required: the probe's hold API takes its probe.token/),
      problem('gate.holdProbe.settle', 'must be whole seconds, at most 300s'),
    ]);
  });

  test('an unknown key is an error naming it, with its line', () => {
    expect(problemsOf(oneCheck('    timeots: { delivery: 5s }'))).toEqual([
      { path: 'checks[0].timeots', message: 'unknown key', line: 7, column: 5 },
    ]);
  });

  test('two checks with one name are refused at the second', () => {
    expect(problemsOf(`checks:${SANDBOX_CHECK}${SANDBOX_CHECK}`)).toEqual([
      problem('checks[1].name', '"signup-us" is already the name of checks[0]'),
    ]);
  });

  test('a check name must be usable as a metric label', () => {
    expect(problemsOf(oneCheck().replace('name: signup-us', 'name: Signup US'))).toEqual([
      problem('checks[0].name', /^must start with a lowercase letter or digit/),
    ]);
  });

  test('an unknown provider type lists the known ones', () => {
    expect(problemsOf(oneCheck().replace('trigger: { type: sandbox }', 'trigger: { type: htp }'))).toEqual([
      problem('checks[0].trigger.type', 'must be one of sandbox, http, vonage-verify, twilio-verify'),
    ]);
  });

  test('a twilio webhook inbox requires its auth token', () => {
    expect(problemsOf(oneCheck().replace('inbox: { type: sandbox }', 'inbox: { type: webhook, format: twilio }'))).toEqual([
      problem('checks[0].inbox.authToken', /^required: format twilio checks X-Twilio-Signature/),
    ]);
  });

  test('a generic webhook inbox requires its secret, not an auth token', () => {
    expect(problemsOf(oneCheck().replace('inbox: { type: sandbox }', 'inbox: { type: webhook, format: generic, authToken: x }'))).toEqual([
      problem('checks[0].inbox.secret', /^required: format generic checks X-Signature/),
      problem('checks[0].inbox.authToken', 'unknown key'),
    ]);
  });

  test('a verify request that never sends {{code}} is refused', () => {
    const text = oneCheck().replace(
      'verify: { type: sandbox }',
      'verify: { type: http, request: { url: "https://app.example/verify", json: { phone: "{{number}}" } } }',
    );
    expect(problemsOf(text)).toEqual([problem('checks[0].verify.request', /^never uses \{\{code\}\}/)]);
  });

  test('a trigger request using a placeholder it cannot have is refused', () => {
    const text = oneCheck().replace(
      'trigger: { type: sandbox }',
      'trigger: { type: http, request: { url: "https://app.example/send", json: { code: "{{code}}" } } }',
    );
    expect(problemsOf(text)).toEqual([problem('checks[0].trigger', /unknown placeholder \{\{code\}\}/)]);
  });

  test('a schedule that is not a cron expression is refused with the reason', () => {
    expect(problemsOf(oneCheck('    schedule: "61 * * * *"'))).toEqual([
      problem('checks[0].schedule', /^"61 \* \* \* \*" is not a cron expression: 61 is a invalid expression for minute/),
    ]);
  });

  test('a delivery timeout longer than the whole journey is refused', () => {
    expect(problemsOf(oneCheck('    timeouts: { delivery: 3m }'))).toEqual([
      problem('checks[0].timeouts.delivery', 'must not exceed total (120000ms)'),
    ]);
  });
});

describe('secrets', () => {
  test('a token that guards our own endpoints is refused below 16 characters, saying its length and never its value', () => {
    const problems = problemsOf(oneCheck('probe: { token: "${PROBE_TOKEN}" }'), { PROBE_TOKEN: 'tok-3f9a' });

    expect(problems).toEqual([problem('probe.token', 'must be at least 16 characters (got 8)')]);
    expect(JSON.stringify(problems)).not.toContain('tok-3f9a');
  });

  test('gate.holdProbe.token and a generic webhook secret are held to the same floor', () => {
    const config = oneCheck('gate: { holdProbe: { url: "http://probe.svc:9477", token: hold-token } }')
      .replace('inbox: { type: sandbox }', 'inbox: { type: webhook, format: generic, secret: gateway }');

    expect(problemsOf(config)).toEqual([
      problem('checks[0].inbox.secret', 'must be at least 16 characters (got 7)'),
      problem('gate.holdProbe.token', 'must be at least 16 characters (got 10)'),
    ]);
  });

  test('a credential a provider issued is refused when blank, whatever its length', () => {
    const config = oneCheck().replace('inbox: { type: sandbox }', 'inbox: { type: webhook, format: twilio, authToken: "                                " }');

    expect(problemsOf(config)).toEqual([problem('checks[0].inbox.authToken', 'must not be blank')]);
  });
});

describe('extraction pattern', () => {
  test('a custom pattern with a named group "code" is kept', () => {
    const config = parseConfig(oneCheck(`    extract: { pattern: 'code is (?<code>\\d{6})', minLength: 6 }`), { env: {} });
    expect(config.checks[0]?.extract).toEqual({ pattern: 'code is (?<code>\\d{6})', minLength: 6 });
  });

  test('a pattern without a named group "code" is refused', () => {
    expect(problemsOf(oneCheck(`    extract: { pattern: '\\d{6}' }`))).toEqual([
      problem('checks[0].extract.pattern', /named group "code"/),
    ]);
  });

  test('a pattern that does not compile is refused', () => {
    expect(problemsOf(oneCheck(`    extract: { pattern: '(?<code>\\d{6}' }`))).toEqual([
      problem('checks[0].extract.pattern', /not a valid regular expression/),
    ]);
  });
});

describe('reporting', () => {
  test('every problem in the file is listed at once, in file order, each with its path', () => {
    const text = `location: ""
checks:
  - name: signup-us
    number: "+1555"
    trigger: { type: sandbox }
    inbox: { type: webhook, format: twilio }
    verify: { type: sandbox }
    timeouts: { delivery: 60 }
  - name: signup-us
    number: "+15555550101"
    trigger: { type: sandbox }
    inbox: { type: sandbox, apiKey: "\${MAILSLURP_API_KEY}" }
    verify: { type: sandbox }
gate: { minSuccessRate: 1.5 }
`;
    expect(problemsOf(text).map((p) => `${p.path}: ${p.message.split(':')[0]}`)).toEqual([
      'location: must not be empty',
      'checks[0].number: "+1555" is not an E.164 phone number',
      'checks[0].inbox.authToken: required',
      'checks[0].timeouts.delivery: 60 has no unit',
      'checks[1].name: "signup-us" is already the name of checks[0]',
      'checks[1].inbox.apiKey: environment variable MAILSLURP_API_KEY is not set',
      'gate.minSuccessRate: must be a number greater than 0 and at most 1 (leave it unset not to gate on the success rate)',
    ]);
  });

  test('the error message lists each problem as "path: message" under the file name', () => {
    const error = (() => {
      try {
        parseConfig(oneCheck('    timeots: {}'), { env: {}, source: 'otp-canary.yml' });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toBe('otp-canary.yml: 1 problem\n  checks[0].timeots: unknown key (line 7, column 5)');
  });

  test('a YAML syntax error is reported with the file, line and column', () => {
    expect(problemsOf('checks:\n  - name: a\n   number: [\n')).toEqual([
      problem('otp-canary.yml:3:1', /^YAML syntax: /),
      expect.objectContaining({ path: expect.stringMatching(/^otp-canary\.yml:\d+:\d+$/) }),
    ]);
  });

  test('an empty file is refused as empty', () => {
    expect(problemsOf('')).toEqual([problem('(root)', /^the config is empty/)]);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'otp-canary-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads and parses a file, naming it in problems', async () => {
    const path = join(dir, 'bad.yml');
    await writeFile(path, 'checks: []\n');
    await expect(loadConfig(path, {})).rejects.toMatchObject({ source: path, message: `${path}: 1 problem\n  checks: at least one check is required (line 1, column 1)` });
  });

  test('a file that cannot be read is a ConfigError carrying the path and the cause', async () => {
    const path = join(dir, 'missing.yml');
    const error = await loadConfig(path, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      problems: [{ path, message: 'cannot read the config file: no such file' }],
      cause: expect.objectContaining({ code: 'ENOENT' }),
    });
  });
});
