// What a valid config does that its author should know about: settings that are allowed, because they
// were asked for explicitly, but weaken a check. `otp-canary validate` prints them; the probe logs them.

import { WEBHOOK_PATHS } from '../providers/webhook/handler.js';
import type { Config } from './schema.js';

export interface ConfigWarning {
  /** Where in the config, e.g. `checks[1].inbox.unsigned`. */
  readonly path: string;
  readonly check: string;
  readonly message: string;
}

export function configWarnings(config: Config): ConfigWarning[] {
  return config.checks.flatMap((check, index) => {
    const { inbox } = check;
    if (inbox.type !== 'webhook' || inbox.format !== 'vonage' || inbox.unsigned !== true) return [];
    return [{
      path: `checks[${index}].inbox.unsigned`,
      check: check.name,
      message: `check "${check.name}" accepts unauthenticated SMS: anyone who can reach ${WEBHOOK_PATHS.vonage} can put a message in its inbox; set signatureSecret to check Vonage's signature`,
    }];
  });
}
