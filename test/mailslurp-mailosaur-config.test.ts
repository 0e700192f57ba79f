// The `mailslurp` and `mailosaur` inbox blocks of otp-canary.yml: their defaults, the problems they
// report by path, and their API keys among the secrets the Action masks.

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { ConfigError } from '../src/config/problems.js';
import { configSecrets } from '../src/config/secrets.js';

function configWith(inbox: string): string {
  return `
checks:
  - name: signup
    number: "+15555550100"
    trigger: { type: sandbox }
    inbox: ${inbox}
    verify: { type: sandbox }
`;
}

function problems(text: string): { path: string; message: string }[] {
  try {
    parseConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(({ path, message }) => ({ path, message }));
    throw error;
  }
  throw new Error('the config was accepted');
}

describe('inbox: mailslurp', () => {
  it('holds each wait 60 s unless told otherwise, and keeps the key among the secrets', () => {
    const config = parseConfig(configWith('{ type: mailslurp, apiKey: ms-key-123456, phoneId: phone-1 }'));
    expect(config.checks[0]!.inbox).toEqual({ type: 'mailslurp', apiKey: 'ms-key-123456', phoneId: 'phone-1', pollIntervalMs: 60_000 });
    expect(configSecrets(config)).toContain('ms-key-123456');
  });

  it('refuses a wait longer than MailSlurp advises, by path', () => {
    expect(problems(configWith('{ type: mailslurp, apiKey: k, phoneId: p, pollInterval: 5m }'))).toEqual([
      { path: 'checks[0].inbox.pollInterval', message: expect.stringContaining('at most 120s') },
    ]);
  });

  it('says what a missing API key is for', () => {
    expect(problems(configWith('{ type: mailslurp, phoneId: p }'))).toEqual([
      { path: 'checks[0].inbox.apiKey', message: expect.stringContaining('required: MailSlurp authenticates') },
    ]);
  });
});

describe('inbox: mailosaur', () => {
  it('polls every second unless Mailosaur says otherwise, and keeps the key among the secrets', () => {
    const config = parseConfig(configWith('{ type: mailosaur, apiKey: mo-key-123456, serverId: abcd1234 }'));
    expect(config.checks[0]!.inbox).toEqual({ type: 'mailosaur', apiKey: 'mo-key-123456', serverId: 'abcd1234', pollIntervalMs: 1_000 });
    expect(configSecrets(config)).toContain('mo-key-123456');
  });

  it('refuses a server id that is not 8 characters, by path', () => {
    expect(problems(configWith('{ type: mailosaur, apiKey: k, serverId: abc }'))).toEqual([
      { path: 'checks[0].inbox.serverId', message: 'must be the 8-character id of a Mailosaur server' },
    ]);
  });
});
