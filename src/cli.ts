#!/usr/bin/env node
// The otp-canary bin. SIGINT/SIGTERM abort the command's signal so runs end as recorded, not lost;
// a second signal exits at once.

import { main } from './cli/main.js';
import { processIo } from './cli/io.js';

const controller = new AbortController();
for (const signalName of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signalName, () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error(`received ${signalName}`));
  });
}

process.exitCode = await main(process.argv.slice(2), processIo, controller.signal);
