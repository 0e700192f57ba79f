// Runs a command as this process: SIGINT/SIGTERM abort the command's signal so runs end as recorded,
// not lost; a second signal exits at once. The exit code is the command's.

import { processIo } from './io.js';
import { main } from './main.js';

export async function runAsProcess(argv: string[]): Promise<void> {
  const controller = new AbortController();
  for (const signalName of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signalName, () => {
      if (controller.signal.aborted) process.exit(130);
      controller.abort(new Error(`received ${signalName}`));
    });
  }
  process.exitCode = await main(argv, processIo, controller.signal);
}
