// Runs a command as this process: SIGINT/SIGTERM abort the command's signal so runs end as recorded,
// not lost; a second signal exits at once (130, 143). The exit code is the command's.

import { abortOnInterrupt } from '../process-interrupt.js';
import { processIo } from './io.js';
import { main } from './main.js';

export async function runAsProcess(argv: string[]): Promise<void> {
  process.exitCode = await main(argv, processIo, abortOnInterrupt());
}
