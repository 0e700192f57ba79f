// The layer rule in eslint.config.js refuses the arrows it should, and lets the others through: each case
// lints a one-line module placed at a path under src/ (not written to disk) that imports a real file.

import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The snippets are in no tsconfig program; the layer rules need no types, so type-aware rules are off here.
const eslint = new ESLint({ cwd: ROOT, overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }] });

async function lint(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  return result!.messages;
}

/** A module of src/: the file itself, or the first module of a folder. */
function moduleIn(candidate: string): string {
  const path = join(ROOT, candidate);
  if (path.endsWith('.ts')) return path;
  const file = readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .sort()[0];
  if (file === undefined) throw new Error(`${candidate} holds no module`);
  return join(path, file);
}

/** `import '<target>'` as written in `from`: relative, with NodeNext's .js extension. */
function importOf(from: string, target: string): string {
  const specifier = relative(dirname(join(ROOT, from)), target)
    .replaceAll('\\', '/')
    .replace(/\.ts$/, '.js');
  return `import '${specifier.startsWith('.') ? specifier : `./${specifier}`}';\n`;
}

const LAYER_RULE = 'import-x/no-restricted-paths';
const CORE = () => moduleIn('src/core/outcome.ts');
const HTTP = () => moduleIn('src/http');
const FIELDS = () => moduleIn('src/fields/fields.ts');
const PROVIDERS = () => moduleIn('src/providers/twilio');
const SANDBOX = () => moduleIn('src/sandbox/world.ts');
const CONFIG = () => moduleIn('src/config/schema.ts');
const WIRING = () => moduleIn('src/wiring/gate-run.ts');
const FACE = () => moduleIn('src/cli/main.ts');

describe('the layer rule: core ← http, fields ← providers ← sandbox ← config ← wiring ← faces', () => {
  const refused: [string, string, () => string, string][] = [
    ['the core importing a provider', 'src/core/x.ts', PROVIDERS, 'src/core may import only src/core:'],
    ['the core importing config', 'src/core/extract/x.ts', CONFIG, 'src/core may import only src/core:'],
    ['the HTTP toolkit importing a provider', 'src/http/x.ts', PROVIDERS, 'src/http may import only src/core, src/http:'],
    ['the field kit importing config', 'src/fields/x.ts', CONFIG, 'src/fields may import only src/core, src/fields:'],
    [
      'a provider importing wiring',
      'src/providers/twilio/x.ts',
      WIRING,
      'src/providers may import only src/core, src/http, src/fields, src/providers:',
    ],
    ['a provider importing config', 'src/providers/x.ts', CONFIG, 'src/providers may import only'],
    ['a provider importing the sandbox', 'src/providers/sandbox/x.ts', SANDBOX, 'src/providers may import only'],
    ['the sandbox importing config', 'src/sandbox/x.ts', CONFIG, 'src/sandbox may import only'],
    ['config importing wiring', 'src/config/x.ts', WIRING, 'src/config and src/probe-hold may import only'],
    ['wiring importing a face', 'src/wiring/x.ts', FACE, 'src/wiring may import only'],
    ['the Prometheus client importing config', 'src/prometheus/x.ts', CONFIG, 'src/prometheus may import only'],
  ];

  it.each(refused)('refuses %s', async (_, file, target, says) => {
    const messages = await lint(file, importOf(file, target()));
    expect(messages.map((message) => message.ruleId)).toEqual([LAYER_RULE]);
    expect(messages[0]!.message).toContain('Layers: core ← http, fields ← providers ← sandbox ← config ← wiring ← faces');
    expect(messages[0]!.message).toContain(says);
  });

  const allowed: [string, string, () => string][] = [
    ['a provider importing the core', 'src/providers/twilio/x.ts', CORE],
    ['a provider importing the HTTP toolkit', 'src/providers/twilio/x.ts', HTTP],
    ['the HTTP toolkit importing the core', 'src/http/x.ts', CORE],
    ['a provider importing the field kit', 'src/providers/twilio/x.ts', FIELDS],
    ['config importing the field kit', 'src/config/x.ts', FIELDS],
    ['the sandbox importing a provider', 'src/sandbox/x.ts', PROVIDERS],
    ['config importing the sandbox', 'src/config/x.ts', SANDBOX],
    ['wiring importing config', 'src/wiring/x.ts', CONFIG],
    ['a face importing wiring', 'src/cli/x.ts', WIRING],
    ['the core importing itself', 'src/core/extract/x.ts', CORE],
  ];

  it.each(allowed)('allows %s', async (_, file, target) => {
    expect(await lint(file, importOf(file, target()))).toEqual([]);
  });
});

describe('what the package ships', () => {
  it('refuses a devDependency in src/, outside the bundled Action', async () => {
    const messages = await lint('src/cli/x.ts', "import 'vitest';\n");
    expect(messages.map((message) => message.ruleId)).toEqual(['import-x/no-extraneous-dependencies']);
    expect(await lint('src/action/x.ts', "import '@actions/core';\n")).toEqual([]);
    expect(await lint('src/cli/x.ts', "import 'zod';\n")).toEqual([]);
  });
});

describe('the pure core', () => {
  it.each([['node:fs'], ['node:fs/promises'], ['fs'], ['node:http'], ['node:net'], ['undici'], ['pino']])(
    'refuses an import of %s in src/core',
    async (name) => {
      const messages = await lint('src/core/x.ts', `import '${name}';\n`);
      expect(messages.map((message) => message.ruleId)).toEqual(['no-restricted-imports']);
      expect(messages[0]!.message).toContain('src/core is pure');
    },
  );

  it('allows the same imports outside src/core', async () => {
    expect(await lint('src/providers/x.ts', `import 'node:fs';\nimport 'undici';\n`)).toEqual([]);
  });

  it.each([
    ['Date.now()', 'no-restricted-properties'],
    ['performance.now()', 'no-restricted-properties'],
    ['new Date()', 'no-restricted-syntax'],
    ['Date()', 'no-restricted-syntax'],
  ])('refuses reading the time with %s in src/core', async (expression, rule) => {
    const messages = await lint('src/core/x.ts', `export const t = ${expression};\n`);
    expect(messages.map((message) => message.ruleId)).toEqual([rule]);
    expect(messages[0]!.message).toContain('injected Clock');
  });

  it('allows a date built from a number, and the clock read outside src/core', async () => {
    expect(await lint('src/core/x.ts', 'export const t = new Date(0);\n')).toEqual([]);
    expect(await lint('src/probe/x.ts', 'export const t = Date.now();\n')).toEqual([]);
  });
});
