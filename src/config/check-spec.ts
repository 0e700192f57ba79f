import type { CheckSpec } from '../core/types.js';
import type { CheckConfig, Config } from './schema.js';

/** What the journey engine needs of a configured check; providers are built from the rest. */
export function toCheckSpec(check: CheckConfig, config: Pick<Config, 'location'>): CheckSpec {
  return {
    name: check.name,
    number: check.number,
    location: config.location,
    extract: check.extract,
    timeouts: check.timeouts,
    ...(check.degradedAfterMs === undefined ? {} : { degradedAfterMs: check.degradedAfterMs }),
    policy: check.policy,
    controls: check.controls,
  };
}
