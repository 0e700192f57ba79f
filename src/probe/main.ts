#!/usr/bin/env node
// The bundled probe's entry (`npm run build:probe` → dist-probe/index.js, what the container runs):
// `otp-canary probe` with the same options, exit codes and signal handling as the CLI.

import { main } from '../cli/main.js';
import { processIo } from '../cli/io.js';

const controller = new AbortController();
for (const signalName of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signalName, () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error(`received ${signalName}`));
  });
}

process.exitCode = await main(['probe', ...process.argv.slice(2)], processIo, controller.signal);
