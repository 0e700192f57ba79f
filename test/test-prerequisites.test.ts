// scripts/test-prerequisites.mjs, `npm test`'s first step: what it decides to install, or why it stops,
// given which tools are present and whether it runs as root. Probes are injected: nothing is installed.

import { describe, expect, test } from 'vitest';
import { planPrerequisites } from '../scripts/test-prerequisites.mjs';
import { CHROMIUM_BINARY, NODE24, requireExecutable } from './support/prerequisites.js';

const ALL_DEBIAN_TOOLS = ['/usr/bin/prometheus', '/usr/bin/promtool', '/usr/bin/chromium'];
const argvOf = (plan: ReturnType<typeof planPrerequisites>) => ('commands' in plan ? plan.commands.map((command) => command.argv.join(' ')) : plan);

describe('planPrerequisites', () => {
  test('does nothing when everything is present', () => {
    expect(planPrerequisites({ node24Installed: true, missingTools: [], isRoot: false })).toEqual({ commands: [] });
  });

  test("installs Node 24 from tools/node24's lockfile when it is missing, root or not", () => {
    for (const isRoot of [true, false]) {
      expect(argvOf(planPrerequisites({ node24Installed: false, missingTools: [], isRoot }))).toEqual(['npm ci --no-audit --no-fund --prefix tools/node24']);
    }
  });

  test('as root, updates the package lists once and installs each missing Debian package once, non-interactively', () => {
    const plan = planPrerequisites({ node24Installed: true, missingTools: ALL_DEBIAN_TOOLS, isRoot: true });

    expect(argvOf(plan)).toEqual(['apt-get update', 'apt-get install -y --no-install-recommends prometheus chromium']);
    expect('commands' in plan && plan.commands.every((command) => command.env['DEBIAN_FRONTEND'] === 'noninteractive')).toBe(true);
  });

  test('installs only the package whose tool is missing', () => {
    const plan = planPrerequisites({ node24Installed: true, missingTools: ['/usr/bin/chromium'], isRoot: true });

    expect(argvOf(plan)).toEqual(['apt-get update', 'apt-get install -y --no-install-recommends chromium']);
  });

  test('installs Node 24 before the Debian packages when both are missing', () => {
    const plan = planPrerequisites({ node24Installed: false, missingTools: ['/usr/bin/promtool'], isRoot: true });

    expect(argvOf(plan)).toEqual([
      'npm ci --no-audit --no-fund --prefix tools/node24',
      'apt-get update',
      'apt-get install -y --no-install-recommends prometheus',
    ]);
  });

  test('not root: stops before installing anything, naming what is missing and the one command that installs it', () => {
    const plan = planPrerequisites({ node24Installed: false, missingTools: ['/usr/bin/prometheus', '/usr/bin/promtool'], isRoot: false });

    expect(plan).toEqual({
      stop:
        'the tests need /usr/bin/prometheus, /usr/bin/promtool, not installed; install them with:\n' +
        '  sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus',
    });
  });
});

describe('requireExecutable (what a suite calls before spawning a tool)', () => {
  test('returns the path of a tool that exists', () => {
    expect(requireExecutable(CHROMIUM_BINARY, () => true)).toBe(CHROMIUM_BINARY);
  });

  test('names a missing Debian tool and the command that installs it, rather than failing later with ENOENT', () => {
    expect(() => requireExecutable(CHROMIUM_BINARY, () => false)).toThrow(
      '/usr/bin/chromium is missing (npm test installs it before the suite starts); install it with: ' +
        'sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium',
    );
  });

  test('names a missing Node 24 and the npm command that installs it', () => {
    expect(() => requireExecutable(NODE24, () => false)).toThrow(`${NODE24} is missing (npm test installs it before the suite starts); install it with: npm ci --no-audit --no-fund --prefix tools/node24`);
  });
});
