// Turning everything wrong with a config into one list of `path: message` lines, e.g.
// `checks[0].inbox.authToken: required`. zod's own wording is replaced by messages written for the
// person editing the YAML, and no message ever repeats a value that could be a secret.

import type { z } from 'zod';
import type { PathSegment, RawProblem } from './env.js';

export interface ConfigProblem {
  /** Where in the config, e.g. `checks[0].timeouts.delivery`; for YAML syntax errors `file:line:column`. */
  readonly path: string;
  readonly message: string;
  /** 1-based position in the YAML text of a validation problem, when known (syntax errors carry it in `path`). */
  readonly line?: number;
  readonly column?: number;
}

/** A config that cannot be used. `problems` lists every problem found, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly problems: readonly ConfigProblem[],
    readonly source: string,
    options?: ErrorOptions,
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${source}: ${count}\n${problems.map((problem) => `  ${formatProblem(problem)}`).join('\n')}`, options);
  }
}

export function formatProblem(problem: ConfigProblem): string {
  const position = problem.line === undefined ? '' : ` (line ${problem.line}, column ${problem.column ?? 1})`;
  return `${problem.path}: ${problem.message}${position}`;
}

/** `['checks', 0, 'expect', 'json', 'data.status']` → `checks[0].expect.json["data.status"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (/^[A-Za-z_$][\w$]*$/.test(segment)) return index === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

/** One zod issue as problems: an unknown-keys issue becomes one problem per key. */
export function issueProblems(issue: z.core.$ZodIssue): RawProblem[] {
  const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key' }));
  return [{ path, message: issue.message }];
}

/**
 * The generic messages, used wherever a field does not give its own. Passed to zod per parse, so it
 * never changes how other code's schemas report.
 */
export function configErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- every other issue keeps zod's own message
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeInput(issue.input)}`;
    case 'invalid_union': {
      if (issue.note !== 'No matching discriminator') return undefined;
      const options = (issue.options as unknown[]).join(', ');
      const given = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator as string];
      return given === undefined ? `required: one of ${options}` : `must be one of ${options}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return describeBound('at least', 'more than', issue.origin, Number(issue.minimum), issue.inclusive !== false);
    case 'too_big':
      return describeBound('at most', 'less than', issue.origin, Number(issue.maximum), issue.inclusive !== false);
    default:
      return undefined;
  }
}

const EXPECTED: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function describeInput(input: unknown): string {
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'number' && !Number.isInteger(input)) return 'a fractional number';
  return typeof input === 'boolean' ? 'true/false' : `a ${typeof input}`;
}

function describeBound(inclusiveWord: string, exclusiveWord: string, origin: string, bound: number, inclusive: boolean): string {
  const word = inclusive ? inclusiveWord : exclusiveWord;
  if (origin === 'array' || origin === 'set') return `needs ${word} ${bound} item${bound === 1 ? '' : 's'}`;
  if (origin === 'string') return bound === 1 && inclusiveWord === 'at least' ? 'must not be empty' : `must be ${word} ${bound} characters`;
  return `must be ${word} ${bound}`;
}
