// `${VAR}` interpolation. It runs on the parsed YAML tree, on string values only: an environment value
// is always data, never re-read as YAML, so a secret containing `: ` or `#` cannot change the config's
// shape.

export type PathSegment = string | number;

/** A problem found before rendering: `path` is the place in the config tree. */
export interface RawProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** The variable whose value is missing (unset or empty), when that is the problem. */
  readonly unsetVariable?: string;
}

const REFERENCE = /\$\$\{|\$\{([^}]*)(\})?/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${NAME}` in every string of `tree` with `env.NAME`; `$${` stands for a literal `${`.
 * Unset or empty variables are problems (a CI secret that is unavailable arrives as an empty string,
 * and failing here beats a confusing 401 later).
 */
export function interpolateEnv(
  tree: unknown,
  env: NodeJS.ProcessEnv,
): { value: unknown; problems: RawProblem[] } {
  const problems: RawProblem[] = [];
  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === 'string') {
      return interpolateString(node, env, (message, unsetVariable) => problems.push({ path, message, ...(unsetVariable !== undefined && { unsetVariable }) }));
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (isPlainObject(node)) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value, [...path, key])]));
    }
    return node;
  };
  const value = walk(tree, []);
  return { value, problems };
}

function interpolateString(text: string, env: NodeJS.ProcessEnv, report: (message: string, unsetVariable?: string) => void): string {
  return text.replace(REFERENCE, (match, name: string | undefined, closed: string | undefined) => {
    if (match === '$${') return '${';
    if (closed === undefined) {
      report('unterminated "${": close it with "}", or write "$${" for a literal "${"');
      return match;
    }
    if (!VARIABLE_NAME.test(name ?? '')) {
      report(`"\${${name}}" is not a variable reference: names are letters, digits and _, not starting with a digit`);
      return match;
    }
    const value = env[name as string];
    if (value === undefined) report(`environment variable ${name} is not set`, name);
    else if (value === '') report(`environment variable ${name} is empty`, name);
    return value ?? match;
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
