// `otp-canary numbers list|provision|release --provider NAME`: the test numbers a provider rents to the
// account. Credentials come from the environment (see src/providers/numbers.ts); numbers are printed
// masked unless --show-numbers. A provider's refusal exits 1, bad usage or a missing variable exits 2.

import { maskNumber } from '../../core/mask.js';
import type { NumberProvisioner, TestNumber } from '../../core/numbers.js';
import { EnvironmentVariableError, NumberProvisioningError } from '../../providers/number-errors.js';
import { NUMBER_PROVISIONERS } from '../../providers/numbers.js';
import { parseCommandArgs } from '../args.js';
import { EXIT_OK, UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';

/** Exit code when the provider refused or could not be reached. */
export const EXIT_PROVIDER_FAILED = 1;

const ACTIONS = ['list', 'provision', 'release'] as const;
type Action = (typeof ACTIONS)[number];

export async function numbersCommand(argv: string[], io: CommandIo, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    allowPositionals: true,
    options: {
      provider: { type: 'string' },
      country: { type: 'string', default: 'US' },
      label: { type: 'string' },
      'sms-webhook': { type: 'string' },
      id: { type: 'string' },
      'show-numbers': { type: 'boolean', default: false },
    },
  });
  const action = actionOf(positionals);
  const providers = Object.keys(NUMBER_PROVISIONERS).join(', ');
  if (values.provider === undefined) throw new UsageError(`numbers ${action} needs --provider (one of: ${providers})`);
  const create = NUMBER_PROVISIONERS[values.provider];
  if (create === undefined) throw new UsageError(`--provider "${values.provider}" cannot provision numbers (one of: ${providers})`);
  if (action === 'release' && values.id === undefined) throw new UsageError('numbers release needs --id (the number\'s id, as numbers list prints it)');
  const webhook = values['sms-webhook'];
  if (webhook !== undefined && !isHttpUrl(webhook)) throw new UsageError(`--sms-webhook must be an absolute http:// or https:// URL`);

  let provisioner: NumberProvisioner;
  try {
    provisioner = create(process.env);
  } catch (error) {
    if (error instanceof EnvironmentVariableError) throw new UsageError(error.message);
    throw error;
  }
  const show = (n: TestNumber) => describe(n, values['show-numbers']);
  try {
    switch (action) {
      case 'list': {
        const numbers = await provisioner.list(signal);
        io.stdout(numbers.length === 0 ? `no ${provisioner.type} numbers\n` : numbers.map((n) => `${show(n)}\n`).join(''));
        break;
      }
      case 'provision': {
        const number = await provisioner.provision(
          { country: values.country, ...(values.label !== undefined && { label: values.label }), ...(webhook !== undefined && { smsWebhookUrl: webhook }) },
          signal,
        );
        io.stdout(`provisioned ${show(number)}\n`);
        break;
      }
      case 'release':
        await provisioner.release(values.id!, signal);
        io.stdout(`released ${values.id}\n`);
        break;
    }
  } catch (error) {
    if (!(error instanceof NumberProvisioningError)) throw error;
    io.stderr(`otp-canary: numbers ${action}: ${error.message}\n`);
    return EXIT_PROVIDER_FAILED;
  }
  return EXIT_OK;
}

function actionOf(positionals: string[]): Action {
  const [action, ...extra] = positionals;
  if (action === undefined || !(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`numbers needs one of ${ACTIONS.join(', ')}${action === undefined ? '' : `, not "${action}"`}`);
  }
  if (extra.length > 0) throw new UsageError(`numbers ${action}: unexpected argument "${extra[0]}"`);
  return action as Action;
}

/** `PN… +1555•••0100  US  staging`: id, number, then what the provider knows. */
function describe(n: TestNumber, showNumbers: boolean): string {
  return [n.id, showNumbers ? n.number : maskNumber(n.number), n.country, n.label].filter((part) => part !== undefined).join('  ');
}

function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}
