// The npm package as a user gets it: `npm pack` of the repository (lib/ as `npm test`'s pretest built
// it), installed into an empty project and used from there: the bin, and the library by import and by
// require. The install runs offline: the consumer's lockfile pins our runtime dependencies exactly as
// package-lock.json does, so `npm ci --offline` takes their tarballs from the cache `npm ci` filled and
// never asks the registry (whose metadata that cache does not hold).

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.js';

const run = promisify(execFile);
const MAX_TARBALL_BYTES = 1024 * 1024;

interface PackedFile {
  path: string;
}
interface Packed {
  filename: string;
  size: number;
  files: PackedFile[];
}
interface LockEntry {
  dev?: boolean;
}
interface Manifest {
  name: string;
  version: string;
  dependencies: Record<string, string>;
}

let dir: string;
let consumer: string;
let packed: Packed;
let manifest: Manifest;

/** The consumer's lockfile: our package from the tarball, and our lockfile's runtime (non-dev) entries. */
async function consumerLock(tarball: string): Promise<object> {
  const lock = JSON.parse(await readFile(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const runtime = Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev);
  return {
    name: 'consumer',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'consumer', dependencies: { [manifest.name]: tarball } },
      [`node_modules/${manifest.name}`]: { version: manifest.version, resolved: tarball, dependencies: manifest.dependencies, bin: { 'otp-canary': 'lib/cli.js' } },
      ...Object.fromEntries(runtime),
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otp-canary-package-'));
  consumer = join(dir, 'consumer');
  await mkdir(consumer);
  manifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as Manifest;

  // --ignore-scripts: `prepare` would rebuild lib/ under the feet of suites running beside this one.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repoRoot });
  packed = (JSON.parse(pack.stdout) as Packed[])[0]!;

  const tarball = `file:${relative(consumer, join(dir, packed.filename))}`;
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies: { [manifest.name]: tarball } }));
  await writeFile(join(consumer, 'package-lock.json'), JSON.stringify(await consumerLock(tarball)));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: consumer });
}, 90_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('packs to less than 1 MB', () => {
    expect(packed.size).toBeLessThan(MAX_TARBALL_BYTES);
  });

  it('ships the library, the CLI, the licence, the probe rules and manifests and the dashboards', () => {
    const paths = packed.files.map((file) => file.path);

    expect(paths).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'CHANGELOG.md',
        'lib/cli.js',
        'lib/index.js',
        'lib/index.d.ts',
        'probe/rules/otp-canary-alerts.yml',
        'probe/deploy/kubernetes/kustomization.yaml',
        'dashboards/otp-canary-overview.json',
      ]),
    );
  });

  it('leaves out the Action bundle, its modules and every source map (the Action is used from its git tag)', () => {
    const paths = packed.files.map((file) => file.path);

    expect(paths.filter((path) => path.startsWith('dist/') || path.startsWith('lib/action/') || path.endsWith('.map'))).toEqual([]);
  });

  it('declares exactly the packages its code imports: nothing missing at run time, nothing installed for nothing', async () => {
    const libDir = join(consumer, 'node_modules', manifest.name, 'lib');
    const files = (await readdir(libDir, { recursive: true })).filter((file) => file.endsWith('.js'));
    const imported = new Set<string>();
    for (const file of files) {
      const source = await readFile(join(libDir, file), 'utf8');
      for (const [, specifier] of source.matchAll(/(?:from |import\()'([^'.][^']*)'/g)) {
        const parts = specifier!.split('/');
        imported.add(specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
    const thirdParty = [...imported].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name));

    expect(thirdParty.sort()).toEqual(Object.keys(manifest.dependencies).sort());
  });

  it('installs a working otp-canary bin: --help', async () => {
    const { stdout } = await run('npx', ['--no-install', 'otp-canary', '--help'], { cwd: consumer });

    expect(stdout).toMatch(/^Usage:/m);
    expect(stdout).toContain('otp-canary extract');
  });

  it('installs a working otp-canary bin: extract prints the code', async () => {
    const { stdout } = await run('npx', ['--no-install', 'otp-canary', 'extract', 'Your code is 482913'], { cwd: consumer });

    expect(stdout.trim()).toBe('482913');
  });

  it('is imported as an ES module', async () => {
    const script = "import { extractOtp } from 'otp-canary'; console.log(extractOtp('Your code is 482913').code);";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer });

    expect(stdout.trim()).toBe('482913');
  });

  it('is required from CommonJS through its default export condition', async () => {
    const script = "console.log(require('otp-canary').extractOtp('Your code is 482913').code);";
    const { stdout } = await run(process.execPath, ['--no-warnings', '-e', script], { cwd: consumer });

    expect(stdout.trim()).toBe('482913');
  });
});
