// Every shell command the README and docs/*.md show runs as written, in document order (the README,
// then docs/ by name), in a fresh copy of the project: what a newcomer pastes works.
//
// Which lines are commands: test/support/doc-commands.ts. Each runs with `bash -c` in the copy, with
// only PATH (without node_modules/.bin directories, which `npm test` adds) and HOME, its stdin empty.
// It must exit 0 unless EXPECTED says otherwise and why. A command in SERVERS serves until stopped: it
// is started, awaited until it says it is listening and its port answers, and left running while the
// commands after it in its block name its address (`:PORT`); then it is stopped as a terminal's Ctrl-C
// would (SIGINT to its process group), and must end cleanly: exit 0, or npm or npx killed by that
// SIGINT while the server they started shuts down. A command that cannot run here is in NOT_RUN, with
// the reason. Every entry of the three lists must still appear in the docs. The webhook signing recipes,
// whose requests go to a placeholder host, run at the end against a loopback receiver instead.
//
// The copy holds the repository's tracked files as they are on disk, with node_modules linked to the
// worktree's and lib/ built by `npm run prepare` (the step of `npm ci` that builds it). It lives at a
// fixed path, so that npx's link to the package (npm's cache keys it by path) is made once per machine.

import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver } from '../src/index.js';
import { repoRoot } from './support/cli.js';
import { extractCommands, type DocCommand } from './support/doc-commands.js';

interface Expectation {
  readonly exitCodes: readonly number[];
  /** What stdout must match. */
  readonly stdout?: RegExp;
  /** A JSON file the command leaves in the project. */
  readonly writesJson?: string;
  readonly because: string;
}

const EXPECTED: Record<string, Expectation> = {
  'npx otp-canary run --config otp-canary.yml --samples 20 --json report.json': {
    exitCodes: [0, 1],
    writesJson: 'report.json',
    because: "the gate's verdict: init's sandbox is unseeded and loses one SMS in fifty; the report is written either way",
  },
  'npx otp-canary run --json - | jq .gate.passed': {
    exitCodes: [0],
    stdout: /^true\n$/,
    because: 'the seeded demo gate passes every time',
  },
  'npx otp-canary schema > otp-canary.schema.json': {
    exitCodes: [0],
    writesJson: 'otp-canary.schema.json',
    because: 'the doc says it writes the JSON Schema there',
  },
  'npx otp-canary extract "G-482913 is your Google verification code."': {
    exitCodes: [0],
    stdout: /^482913\n$/,
    because: 'the doc says it prints 482913',
  },
  'npx otp-canary extract --explain "Your order #123456 ships today"': {
    exitCodes: [1],
    because: 'the doc says exit 1: a reference number is no code',
  },
  'echo "Your code is 482913" | npx otp-canary extract -': {
    exitCodes: [0],
    stdout: /^482913\n$/,
    because: 'the code of the message on stdin',
  },
  'curl -s localhost:9477/metrics': {
    exitCodes: [0],
    stdout: /^otp_canary_runs_total\{/m,
    because: 'the doc says the metrics include otp_canary_runs_total',
  },
};

/** Commands that serve until stopped, and the port the doc gives them. */
const SERVERS: Record<string, number> = {
  'npx otp-canary sandbox --port 8025': 8025,
  'npx otp-canary probe --config otp-canary.yml --port 9477': 9477,
  'npm run probe': 9477,
};

const PLACEHOLDER_HOST = "its host is a placeholder for the reader's own";
const DOCKER = 'docker: .github/workflows/release.yml builds the image, test/probe-deploy.test.ts checks the Dockerfile';
const TWILIO = 'a Twilio account; test/twilio-numbers.test.ts runs the command against a fake Twilio';
const MAILSLURP = 'a MailSlurp account; test/mailslurp-numbers.test.ts lists, rents and releases against a fake MailSlurp';
const WEBHOOK_RECIPE = 'a step of the signing recipe, whose request goes to a placeholder host: run below against a loopback receiver';

const NOT_RUN: Record<string, string> = {
  'npm ci': 'installs from the registry: .github/workflows/ci.yml runs it; the copy links node_modules and runs `npm run prepare`',
  'npm test': 'the whole suite, this test included: .github/workflows/ci.yml runs it',
  'OTP_CANARY_PROBE_TOKEN=… npx otp-canary run --config otp-canary.yml --hold-probe http://probe:9477': `${PLACEHOLDER_HOST}, and the token is …; test/probe-hold-gate.test.ts holds a real probe`,
  'OTP_CANARY_PROBE_TOKEN=… npx otp-canary run --config otp-canary.yml --hold-probe http://otp-canary-probe-replicas.monitoring.svc:9477': `${PLACEHOLDER_HOST} (a Kubernetes Service), and the token is …`,
  'open http://localhost:9477/': "opens a desktop browser; test/probe-status-page-browser.test.ts loads the status page in Chromium",
  'curl -X POST http://prometheus:9090/-/reload': `${PLACEHOLDER_HOST} Prometheus`,
  'docker run --rm -p 9477:9477 ghcr.io/otp-canary/otp-canary-probe:1': DOCKER,
  'docker build -f probe/Dockerfile -t otp-canary-probe .': DOCKER,
  'docker run --rm -p 9477:9477 -e PROBE_TOKEN=… -v "$PWD/otp-canary.yml:/etc/otp-canary/otp-canary.yml:ro" otp-canary-probe --config /etc/otp-canary/otp-canary.yml': DOCKER,
  'kubectl create secret generic otp-canary-probe --from-literal=PROBE_TOKEN=… --from-literal=TWILIO_AUTH_TOKEN=…': 'a Kubernetes cluster; test/probe-deploy.test.ts checks the manifests',
  'kubectl apply -k probe/deploy/kubernetes/': 'a Kubernetes cluster; test/probe-deploy.test.ts checks the manifests',
  'export TWILIO_ACCOUNT_SID=AC…  TWILIO_AUTH_TOKEN=…': 'Twilio credentials, for the commands below',
  'npx otp-canary numbers list --provider twilio': TWILIO,
  'npx otp-canary numbers provision --provider twilio --country US --label staging --sms-webhook https://probe.example.com/webhooks/twilio': TWILIO,
  'npx otp-canary numbers release --provider twilio --id PN0123456789abcdef0123456789abcdef': TWILIO,
  'export MAILSLURP_API_KEY=…': 'a MailSlurp API key, for the commands below',
  'npx otp-canary numbers list --provider mailslurp': MAILSLURP,
  'npx otp-canary numbers provision --provider mailslurp --country US --label staging': MAILSLURP,
  'npx otp-canary numbers release --provider mailslurp --id 0d5b7c44-6a0e-4bd1-9f0e-2c8e3b8a1f6d': MAILSLURP,
  [`body='{"to":"+15555550100","body":"Your code is 482913","id":"gw-1"}'`]: WEBHOOK_RECIPE,
  [`sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$OTP_CANARY_WEBHOOK_SECRET" -hex | sed 's/^.* //')`]: WEBHOOK_RECIPE,
  'ts=$(date +%s)': WEBHOOK_RECIPE,
  [`sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$OTP_CANARY_WEBHOOK_SECRET" -hex | sed 's/^.* //')`]: WEBHOOK_RECIPE,
  [`curl -X POST https://probe.example.com/webhooks/generic -H 'Content-Type: application/json' -H "X-Signature: sha256=$sig" --data "$body"`]: WEBHOOK_RECIPE,
  [`curl -X POST https://probe.example.com/webhooks/generic -H 'Content-Type: application/json' -H "X-Signature-Timestamp: $ts" -H "X-Signature: sha256=$sig" --data "$body"`]: WEBHOOK_RECIPE,
};

const DOCS = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
const commands = DOCS.flatMap((doc) => extractCommands(doc, readFileSync(join(repoRoot, doc), 'utf8')));

const project = join(tmpdir(), 'otp-canary-docs-commands');
const env = {
  PATH: (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.endsWith(`${sep}node_modules${sep}.bin`)).join(delimiter),
  HOME: process.env.HOME ?? '',
};
/** A command still running after this is killed: a hang fails its test with the output so far. */
const COMMAND_DEADLINE_MS = 150_000;

interface Result {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A command running in its own process group, so that a signal reaches everything it started. */
class Shell {
  readonly child;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Result>;

  constructor(readonly command: DocCommand) {
    this.child = spawn('bash', ['-c', command.text], { cwd: project, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Signals everything still in its process group. */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** Resolves once a line of its output says it is listening; rejects if it exits first. */
  listening(): Promise<void> {
    return new Promise((resolve, reject) => {
      const seen = () => /listening/.test(this.stdout + this.stderr) && resolve();
      seen();
      this.child.stdout.on('data', seen);
      this.child.stderr.on('data', seen);
      void this.exited.then((result) => reject(new Error(`${this.command.text} exited ${result.exitCode} before listening\n${describeOutput(result)}`)));
    });
  }
}

function describeOutput(result: Result): string {
  return `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

async function run(command: DocCommand): Promise<Result> {
  const shell = new Shell(command);
  const deadline = setTimeout(() => shell.signal('SIGKILL'), COMMAND_DEADLINE_MS);
  try {
    return await shell.exited;
  } finally {
    clearTimeout(deadline);
  }
}

/** The server running, and whether it served: one that never did has failed its own test already. */
let server: { shell: Shell; port: number; served: boolean } | undefined;

async function stopServer(): Promise<void> {
  if (server === undefined) return;
  const { shell, served } = server;
  server = undefined;
  const runningUntilNow = shell.running;
  shell.signal('SIGINT');
  // The output pipes close once everything the command started has exited.
  const result = await shell.exited;
  if (!served) return;
  const context = `${shell.command.text} after Ctrl-C\n${describeOutput(result)}`;
  expect(runningUntilNow, context).toBe(true);
  expect([0, 'SIGINT'], context).toContain(result.exitCode ?? result.signal);
}

/** The commands after a server in its block that name its address run while it serves; others stop it. */
function talksToServer(command: DocCommand): boolean {
  return server !== undefined && server.shell.command.doc === command.doc && server.shell.command.block === command.block && command.text.includes(`:${server.port}`);
}

function copyProject(): void {
  rmSync(project, { recursive: true, force: true });
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(repoRoot, file))) continue;
    mkdirSync(dirname(join(project, file)), { recursive: true });
    copyFileSync(join(repoRoot, file), join(project, file));
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(project, 'node_modules'));
  const build = spawnSync('npm', ['run', 'prepare'], { cwd: project, env, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run prepare failed in the copy (exit ${build.status}):\n${build.stdout}${build.stderr}`);
}

describe('which lines of a document are commands', () => {
  const texts = (markdown: string) => extractCommands('doc.md', markdown).map((command) => command.text);

  it('drops comments, but not a # inside quotes, and reads `a && b` as two commands', () => {
    expect(texts('```sh\n# setup\nnpm ci && npm start   # the demo\nnpx otp-canary extract "order #123"\n```\n')).toEqual([
      'npm ci',
      'npm start',
      'npx otp-canary extract "order #123"',
    ]);
  });

  it('joins continuation lines and finds blocks indented in a list, but not other languages', () => {
    const markdown = '1. Run:\n\n   ```bash\n   docker run \\\n     --rm image\n   ```\n\n```yaml\nkey: value\n```\n';
    expect(extractCommands('doc.md', markdown)).toEqual([{ doc: 'doc.md', line: 4, block: 0, text: 'docker run --rm image' }]);
  });

  it('reads in a console block only what follows a `$ ` prompt', () => {
    expect(texts('```console\n$ npx otp-canary --version\n0.1.0\n```\n')).toEqual(['npx otp-canary --version']);
  });
});

describe('every command this test names', () => {
  it.each(Object.keys({ ...EXPECTED, ...NOT_RUN, ...SERVERS }))('is still in the docs: %s', (text) => {
    expect(commands.map((command) => command.text)).toContain(text);
  });
});

describe('the docs, as written, in a fresh copy of the project', () => {
  beforeAll(copyProject, 120_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  describe.each(DOCS.filter((doc) => commands.some((command) => command.doc === doc)))('%s', (doc) => {
    afterAll(stopServer, 60_000);

    for (const command of commands.filter((entry) => entry.doc === doc)) {
      const name = `line ${command.line}: ${command.text}`;
      const reason = NOT_RUN[command.text];
      if (reason !== undefined) {
        it.skip(`${name} (not run: ${reason})`, () => {});
        continue;
      }
      it(name, async () => {
        if (!talksToServer(command)) await stopServer();
        const port = SERVERS[command.text];
        if (port !== undefined) {
          server = { shell: new Shell(command), port, served: false };
          await server.shell.listening();
          const answer = await fetch(`http://127.0.0.1:${port}/`);
          expect(answer.status, `${command.text} answers on port ${port}`).toBeLessThan(500);
          server.served = true;
          return;
        }
        const expected = EXPECTED[command.text] ?? { exitCodes: [0], because: 'a command succeeds unless the doc says otherwise' };
        const result = await run(command);
        const context = `${command.doc}:${command.line} ${command.text}: ${expected.because}\n${describeOutput(result)}`;
        expect(expected.exitCodes, context).toContain(result.exitCode);
        if (expected.stdout) expect(result.stdout, context).toMatch(expected.stdout);
        if (expected.writesJson) expect(() => JSON.parse(readFileSync(join(project, expected.writesJson!), 'utf8')), context).not.toThrow();
      }, COMMAND_DEADLINE_MS + 30_000);
    }
  });
});

describe("docs/webhooks.md's signing recipes, sent to a loopback receiver instead of the placeholder host", () => {
  const SECRET = 'gateway-secret-from-the-docs';
  const recipe = commands.filter((command) => command.doc === 'docs/webhooks.md');
  const [body, ...signed] = recipe.filter((command) => command.block === 0);
  const timestamped = recipe.filter((command) => command.block === 1);

  /** Runs the commands in one shell, as pasted, and returns the messages the receiver let in. */
  async function deliveredBy(script: DocCommand[]): Promise<unknown[]> {
    const delivered: unknown[] = [];
    const receiver = await startWebhookReceiver({ inbox: { accept: (sms) => delivered.push(sms) }, generic: { secret: SECRET } });
    try {
      const text = script.map((command) => command.text.replaceAll('https://probe.example.com', receiver.url)).join('\n');
      await promisify(execFile)('bash', ['-c', text], { env: { ...env, OTP_CANARY_WEBHOOK_SECRET: SECRET } });
    } finally {
      await receiver.close();
    }
    return delivered;
  }

  const message = { id: 'gw-1', to: '+15555550100', body: 'Your code is 482913' };

  it('signs the body as the receiver checks it', async () => {
    expect(await deliveredBy([body!, ...signed])).toEqual([expect.objectContaining(message)]);
  });

  it('signs the timestamp and the body as the receiver checks them', async () => {
    expect(await deliveredBy([body!, ...timestamped])).toEqual([expect.objectContaining(message)]);
  });
});
