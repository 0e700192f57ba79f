// The JSON Schema of otp-canary.yml, generated from the zod schema so the two cannot drift. It
// describes what users write (durations as strings, `${VAR}` wherever a string goes), not the parsed
// Config. Editors use it through a `# yaml-language-server: $schema=…` comment or their settings.

import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input' }),
    title: 'otp-canary configuration',
  };
}
