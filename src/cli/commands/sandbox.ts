// `otp-canary sandbox`: the embedded world as a standalone server, for a team's own app tests. It runs
// until SIGINT/SIGTERM, then closes every connection and exits 0.

import { startSandbox } from '../../sandbox/index.js';
import { parseCommandArgs, portNumber } from '../args.js';
import { configFrom } from '../config-source.js';
import { EXIT_OK } from '../errors.js';
import type { CommandIo } from '../io.js';

export async function sandboxCommand(argv: string[], io: CommandIo, signal: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs(argv, { options: { config: { type: 'string' }, port: { type: 'string' } } });
  const port = portNumber('port', values.port);
  const sandboxOptions = values.config === undefined ? {} : (await configFrom(values.config)).config.sandbox;
  const sandbox = await startSandbox({ ...sandboxOptions, ...(port !== undefined && { port }) });
  io.stdout(
    [
      `otp-canary sandbox listening on ${sandbox.url}`,
      `  POST ${sandbox.url}/api/otp/send          {"phone": "+15555550100"}`,
      `  POST ${sandbox.url}/api/otp/verify        {"phone": "+15555550100", "code": "…"}`,
      `  GET  ${sandbox.url}/api/inbox/messages?to=+15555550100&since=ISO8601&waitMs=10000`,
      `  GET  ${sandbox.url}/_sandbox/ground-truth`,
      `  POST ${sandbox.url}/_sandbox/faults       {"send": {"error": 0.5}}`,
      'Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await sandbox.close();
  return EXIT_OK;
}
