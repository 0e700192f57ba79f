// What the probe asks of a config beyond the schema: every check needs a `schedule` (a check the probe
// would never run is a mistake, not a default), and a check listing controls needs a `controlSchedule`.

import type { Config } from '../config/schema.js';
import { ConfigError, type ConfigProblem } from '../config/problems.js';

export function assertProbeConfig(config: Config, source: string): void {
  const problems: ConfigProblem[] = [];
  config.checks.forEach((check, index) => {
    if (check.schedule === undefined) {
      problems.push({ path: `checks[${index}].schedule`, message: 'required by the probe: when the check runs, e.g. "*/5 * * * *"' });
    }
    if (check.controls.length > 0 && check.controlSchedule === undefined) {
      problems.push({ path: `checks[${index}].controlSchedule`, message: 'required by the probe when controls are listed: when they run, e.g. "0 * * * *"' });
    }
  });
  if (problems.length > 0) throw new ConfigError(problems, source);
}

/** Credentials in the config (every provider's, the probe token), masked in every log line. */
export { configSecrets } from '../config/secrets.js';
