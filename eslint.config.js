// ESLint for the whole repository: `npm run lint`. Type-aware (typescript-eslint reads tsconfig.json
// through its project service), plus the layer rule that keeps the dependency arrows pointing inward:
//
//   core ← http, fields ← providers ← sandbox ← config ← wiring ← faces
//
// docs/architecture.md describes the layers; LAYERS below is the rule itself.

import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ROOT = import.meta.dirname;
const LAYER_RULE = 'Layers: core ← http, fields ← providers ← sandbox ← config ← wiring ← faces (docs/architecture.md).';

/**
 * Each layer under src/, and the folders and files of src/ it may import. Faces (src/cli, src/cli.ts,
 * src/action, src/probe, src/library, src/index.ts) may import any layer and have no entry.
 */
const LAYERS = [
  {
    name: 'src/core',
    target: ['src/core/**'],
    may: ['core'],
    why: 'the core is pure: it reaches the world only through the interfaces in src/core/providers.ts.',
  },
  { name: 'src/http', target: ['src/http/**'], may: ['core', 'http'], why: 'the HTTP toolkit knows nothing of providers.' },
  { name: 'src/fields', target: ['src/fields/**'], may: ['core', 'fields'], why: 'the field kit every YAML block is built from knows no block.' },
  {
    name: 'src/providers',
    target: ['src/providers/**'],
    may: ['core', 'http', 'fields', 'providers'],
    why: 'a provider never imports config, the sandbox, wiring or a face; it is handed what it needs.',
  },
  {
    name: 'src/prometheus',
    target: ['src/prometheus/**'],
    may: ['core', 'http', 'prometheus'],
    why: "Prometheus's HTTP API is a far side, like a provider's.",
  },
  { name: 'src/report', target: ['src/report/**'], may: ['core', 'report'], why: "it presents the core's report, nothing more." },
  {
    name: 'src/sandbox',
    target: ['src/sandbox/**'],
    may: ['core', 'http', 'fields', 'providers', 'sandbox'],
    why: 'the sandbox speaks what providers speak, and knows nothing of config or wiring.',
  },
  {
    name: 'src/config and src/probe-hold',
    target: ['src/config/**', 'src/probe-hold/**'],
    may: ['core', 'http', 'fields', 'providers', 'sandbox', 'config', 'probe-hold'],
    why: 'config (and the hold protocol it validates) is parsed before anything is wired.',
  },
  {
    name: 'the shared leaves',
    target: ['src/version.ts', 'src/process-interrupt.ts'],
    may: ['core', 'version.ts', 'process-interrupt.ts'],
    why: 'they are imported by wiring and faces alike.',
  },
  {
    name: 'src/wiring',
    target: ['src/wiring/**'],
    may: [
      'core',
      'http',
      'fields',
      'providers',
      'prometheus',
      'report',
      'sandbox',
      'config',
      'probe-hold',
      'wiring',
      'version.ts',
      'process-interrupt.ts',
    ],
    why: 'wiring turns a config into running checks; only faces sit above it.',
  },
];

/** Node modules and libraries that reach the world; src/core imports none of them. */
const IO_MODULES =
  '^(node:)?(fs|http|https|http2|net|tls|dgram|dns|child_process|cluster|worker_threads|readline|repl|inspector|os|process|v8|vm|module)(/.*)?$';
const IO_LIBRARIES = ['undici', 'pino', 'prom-client', 'node-cron', '@actions/core', '@actions/github'];
const PURE_CORE = 'src/core is pure: no I/O; the world comes in through the interfaces in src/core/providers.ts.';

const TS_FILES = ['**/*.ts', '**/*.mts'];
const JS_FILES = ['**/*.js', '**/*.mjs'];

export default defineConfig(
  globalIgnores(['dist/', 'dist-probe/', 'lib/', 'tmp/', 'tools/', 'coverage/', 'test/fixtures/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  js.configs.recommended,
  {
    files: TS_FILES,
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: ROOT },
    },
    rules: {
      // Promises: every one awaited, returned, or handed to something that handles its rejection.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // A switch over a union names every member; a new failure reason or stage cannot slip through a default.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      // Types come in as types, so isolatedModules and bundlers drop them without guessing.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/consistent-type-exports': 'error',
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      eqeqeq: ['error', 'smart'],
      // Numbers and booleans in messages are how this project words its errors and reports; objects are not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // An abort's reason (AbortSignal.reason, typed any) is what a cancelled wait rejects with, as throwIfAborted() does.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // `return send(res, ...)` is how a handler (sync or async) ends after answering, and `() => controller.abort()` how a callback is written.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // noUncheckedIndexedAccess is on, and `xs[i]!` after a bounds check is the idiom it asks for.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `async` without `await` is deliberate where an interface returns a promise: a throw becomes a rejection, never a synchronous throw.
      '@typescript-eslint/require-await': 'off',
      // pino's Logger and SDK request types are declared as classes but built by factories and object literals, which this rule cannot see.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read parsed JSON and YAML field by field, typed any on purpose (the `Manifest` and `Yaml` aliases), and vitest
      // types its asymmetric matchers (expect.any, expect.objectContaining) as any: the expect() around them is the check.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: JS_FILES,
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },

  // The layer rule: an import is judged by the file it resolves to, so it reads the same at any depth.
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: ROOT,
          zones: LAYERS.map((layer) => ({
            target: layer.target,
            from: 'src',
            except: layer.may,
            message: `${LAYER_RULE} ${layer.name} may import only ${layer.may.map((name) => `src/${name}`).join(', ')}: ${layer.why}`,
          })),
        },
      ],
    },
  },
  {
    // What npm installs with the package is `dependencies`; a devDependency in lib/ breaks it for users.
    // The Action is bundled into dist/, so src/action may use devDependencies (@actions/*).
    files: ['src/**/*.ts'],
    ignores: ['src/action/**'],
    rules: {
      'import-x/no-extraneous-dependencies': ['error', { devDependencies: false, packageDir: ROOT }],
      'import-x/no-duplicates': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_LIBRARIES.map((name) => ({ name, message: PURE_CORE })),
          patterns: [{ regex: IO_MODULES, message: PURE_CORE }],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'src/core reads the time through the injected Clock (clock.now(), clock.wallNow()).' },
        {
          object: 'performance',
          property: 'now',
          message: 'src/core reads the time through the injected Clock (clock.now(), clock.wallNow()).',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'src/core reads the time through the injected Clock (clock.wallNow()); new Date(ms) is fine.',
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: 'src/core reads the time through the injected Clock (clock.wallNow()).',
        },
      ],
    },
  },
);
