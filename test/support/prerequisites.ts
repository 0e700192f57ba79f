// The executables the suite drives for real. `npm test` installs them first (scripts/test-prerequisites.mjs);
// a suite run some other way gets an error naming the missing file and its install command, not ENOENT.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_TOOLS, NODE24_BINARY, NODE24_INSTALL, aptInstallCommand } from '../../scripts/test-prerequisites.mjs';
import { repoRoot } from './cli.js';

export const NODE24 = join(repoRoot, NODE24_BINARY);
export const PROMETHEUS_BINARY = '/usr/bin/prometheus';
export const PROMTOOL_BINARY = '/usr/bin/promtool';
export const CHROMIUM_BINARY = '/usr/bin/chromium';

const INSTALL_COMMANDS = new Map<string, string>([
  [NODE24, NODE24_INSTALL.join(' ')],
  ...DEBIAN_TOOLS.map((tool): [string, string] => [tool.path, aptInstallCommand([tool.package], { sudo: true })]),
]);

/** `path` (one of the above) when it exists; otherwise throws naming it and the command that installs it. */
export function requireExecutable(path: string, exists: (path: string) => boolean = existsSync): string {
  if (exists(path)) return path;
  throw new Error(`${path} is missing (npm test installs it before the suite starts); install it with: ${INSTALL_COMMANDS.get(path) ?? 'npm test'}`);
}
