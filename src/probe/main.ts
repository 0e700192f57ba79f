#!/usr/bin/env node
// The bundled probe's entry (`npm run build:probe` → dist-probe/index.js, what the container runs):
// `otp-canary probe` with the same options, exit codes and signal handling as the CLI.

import { runAsProcess } from '../cli/process.js';

await runAsProcess(['probe', ...process.argv.slice(2)]);
