// The README is where users read the Action's interface: its tables must say what action.yml says.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/load.js';

const root = new URL('..', import.meta.url);
const readme = await readFile(new URL('README.md', root), 'utf8');
const action = parse(await readFile(new URL('action.yml', root), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
};

/** Rows `| \`name\` | … |` of the README's tables: inputs have a default and a meaning, outputs a meaning. */
function tableRows(cells: number): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of readme.split('\n')) {
    const match = /^\| `([a-z0-9-]+)` \|(.*)\|$/.exec(line);
    const row = match?.[2]!.split('|').map((cell) => cell.trim());
    if (row?.length === cells) rows.set(match![1]!, row);
  }
  return rows;
}

describe('the README', () => {
  const inputs = tableRows(2);
  const outputs = tableRows(1);

  it('opens with the two commands', () => {
    expect(readme.split('\n').slice(0, 6).join('\n')).toMatch(/npm ci && npm start[\s\S]*npm test/);
  });

  it('shows a config that otp-canary accepts', () => {
    const example = /## A config\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1]!;

    expect(parseConfig(example, { env: { TWILIO_AUTH_TOKEN: 'token' } }).checks.map((check) => check.name)).toEqual(['signup-us']);
  });

  it.each(Object.entries(action.inputs))('tables input %s with the default action.yml gives it', (name, input) => {
    const expected = input.default === undefined || input.default === '' ? '(empty)' : `\`${input.default}\``;
    expect(inputs.get(name)?.[0]).toBe(expected);
  });

  it.each(Object.keys(action.outputs))('tables output %s', (name) => {
    expect(outputs.has(name)).toBe(true);
  });
});
