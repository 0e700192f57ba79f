// Reading otp-canary.yml: YAML → `${VAR}` interpolation → schema, collecting every problem on the way
// and pointing each at its line in the file.

import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { interpolateEnv, type PathSegment, type RawProblem } from './env.js';
import { ConfigError, configErrorMap, formatPath, issueProblems, type ConfigProblem } from './problems.js';
import { configSchema, type Config } from './schema.js';

export interface ParseConfigOptions {
  /** Where `${VAR}` values come from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Names the text in messages, usually its file path; default "config". */
  readonly source?: string;
}

/** Parses and validates a config. Throws ConfigError listing every problem. */
export function parseConfig(text: string, options: ParseConfigOptions = {}): Config {
  const { config } = checkConfig(text, options);
  // checkConfig only leaves the config out when unset variables are allowed.
  if (config === undefined) throw new Error('checkConfig gave no config although unset variables are problems');
  return config;
}

/** What checking a config found: the config itself, unless variables it needs are unset. */
export interface ConfigCheck {
  readonly config?: Config;
  /** The unset or empty variables the config refers to, when they were allowed. */
  readonly unsetVariables: readonly string[];
}

/**
 * Checks a config. With `allowUnsetVariables`, unset or empty `${VAR}`s are no problem, and neither
 * is what a field holding one would fail: the structure is checked without the secrets (`validate
 * --skip-env`), and the config is left out when any is missing. Throws ConfigError listing every
 * other problem.
 */
export function checkConfig(text: string, options: ParseConfigOptions & { readonly allowUnsetVariables?: boolean } = {}): ConfigCheck {
  const source = options.source ?? 'config';
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigError(document.errors.map((error) => syntaxProblem(error, lineCounter, source)), source);
  }

  let tree: unknown;
  try {
    tree = document.toJS();
  } catch (cause) {
    // yaml refuses alias bombs here (more aliases than maxAliasCount).
    const problem = { path: '(root)', message: cause instanceof Error ? cause.message : String(cause) };
    throw new ConfigError([problem], source, { cause });
  }

  if (tree === null || tree === undefined) {
    throw new ConfigError([{ path: '(root)', message: 'the config is empty: it needs at least a list of checks' }], source);
  }

  const interpolated = interpolateEnv(tree, options.env ?? process.env);
  const result = configSchema.safeParse(interpolated.value, { error: configErrorMap });
  if (result.success && interpolated.problems.length === 0) return { config: result.data, unsetVariables: [] };

  // A field whose variable is missing would also fail validation; its first problem is the one to fix.
  const schemaProblems = (result.error?.issues ?? [])
    .flatMap(issueProblems)
    .filter((problem) => !interpolated.problems.some((missing) => isWithin(problem.path, missing.path)));
  const envProblems = options.allowUnsetVariables ? interpolated.problems.filter((problem) => problem.unsetVariable === undefined) : interpolated.problems;
  const problems = [...envProblems, ...schemaProblems].map((problem) => locate(problem, document, lineCounter));
  if (problems.length > 0) throw new ConfigError(sortByPosition(problems), source);
  const unsetVariables = [...new Set(interpolated.problems.flatMap((problem) => (problem.unsetVariable === undefined ? [] : [problem.unsetVariable])))];
  return { ...(unsetVariables.length === 0 && result.success && { config: result.data }), unsetVariables };
}

/** Reads and parses a config file. A file that cannot be read is a ConfigError carrying the cause. */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  return parseConfig(await readConfigFile(path), { env, source: path });
}

/** Reads and checks a config file (see checkConfig). */
export async function checkConfigFile(path: string, options: { readonly env?: NodeJS.ProcessEnv; readonly allowUnsetVariables?: boolean } = {}): Promise<ConfigCheck> {
  return checkConfig(await readConfigFile(path), { ...options, source: path });
}

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError([{ path, message: `cannot read the config file: ${describeFileError(cause)}` }], path, { cause });
  }
}

function describeFileError(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return cause instanceof Error ? cause.message : String(cause);
}

function syntaxProblem(error: YAMLError, lineCounter: LineCounter, source: string): ConfigProblem {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  return { path: `${source}:${line}:${col}`, message: `YAML syntax: ${error.message}` };
}

function isWithin(path: readonly PathSegment[], ancestor: readonly PathSegment[]): boolean {
  return ancestor.length <= path.length && ancestor.every((segment, index) => path[index] === segment);
}

/** Attaches the line of the deepest node on the problem's path that exists in the YAML. */
function locate(problem: RawProblem, document: Document, lineCounter: LineCounter): ConfigProblem {
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const segment of problem.path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  const path = formatPath(problem.path);
  if (offset === undefined) return { path, message: problem.message };
  const { line, col } = lineCounter.linePos(offset);
  return { path, message: problem.message, line, column: col };
}

function sortByPosition(problems: ConfigProblem[]): ConfigProblem[] {
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity) || a.index - b.index)
    .map(({ problem }) => problem);
}
