#!/usr/bin/env node
// The otp-canary bin.

import { runAsProcess } from './cli/process.js';

await runAsProcess(process.argv.slice(2));
