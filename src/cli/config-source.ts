// Where a command's config comes from: the file named by --config, or the demo checks against the
// embedded sandbox when there is none.

import { demoConfig } from '../config/demo.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

export async function configFrom(path: string | undefined): Promise<{ config: Config; description: string }> {
  if (path === undefined) return { config: demoConfig(), description: 'no --config given: the demo checks against the embedded sandbox' };
  return { config: await loadConfig(path), description: `config ${path}` };
}
