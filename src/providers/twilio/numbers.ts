// Twilio test numbers: list the account's IncomingPhoneNumbers, buy an SMS-capable local number (search
// AvailablePhoneNumbers, then buy the first), and release one. Failures are NumberProvisioningError,
// naming the step and Twilio's error code; numbers in them are masked.

import { z } from 'zod';
import { maskNumber } from '../../core/mask.js';
import type { NumberProvisioner, ProvisionRequest, TestNumber } from '../../core/numbers.js';
import { systemClock, type Clock } from '../../core/providers.js';
import type { HttpAnswer } from '../../http/exchange.js';
import { parseBody } from '../../http/json-api.js';
import { NumberProvisioningError } from '../number-errors.js';
import { TWILIO_API_BASE_URL } from './messages-inbox.js';
import { callTwilio, describeRefusal, readRefusal, refusalCause, type TwilioRequest, type TwilioRestOptions } from './rest.js';

export interface TwilioNumbersOptions extends Omit<TwilioRestOptions, 'baseUrl'> {
  readonly baseUrl?: string;
  /** Wall clock for Retry-After dates. */
  readonly clock?: Clock;
}

const incomingNumber = z.object({ sid: z.string().min(1), phone_number: z.string(), friendly_name: z.string().nullish() });
const incomingPage = z.object({ incoming_phone_numbers: z.array(incomingNumber), next_page_uri: z.string().nullish() });
const availablePage = z.object({ available_phone_numbers: z.array(z.object({ phone_number: z.string(), iso_country: z.string().nullish() })) });

/** Pages of the account's numbers read by `list`, 1000 each: far more numbers than a test fleet has. */
const MAX_LIST_PAGES = 10;
const SID = /^PN[0-9a-fA-F]{32}$/;

export function createTwilioNumbers(options: TwilioNumbersOptions): NumberProvisioner {
  const rest: TwilioRestOptions = { ...options, baseUrl: options.baseUrl ?? TWILIO_API_BASE_URL };
  const account = `/2010-04-01/Accounts/${encodeURIComponent(options.credentials.accountSid)}`;
  const call = async <T extends z.ZodType>(step: string, req: TwilioRequest, expected: number, schema?: T): Promise<z.output<T>> => {
    const answer = await callTwilio(rest, req);
    if (answer.kind === 'transport') throw new NumberProvisioningError(`Twilio ${step}: ${answer.description}`, { cause: answer.cause });
    if (answer.status !== expected) throw refused(step, answer, options.clock ?? systemClock);
    if (schema === undefined) return undefined as z.output<T>;
    const parsed = parseBody(answer, schema);
    if (!parsed.ok) throw new NumberProvisioningError(`Twilio ${step}: the answer is not the documented JSON`, { cause: parsed.cause, status: answer.status });
    return parsed.value;
  };

  return {
    type: 'twilio',
    async list(signal) {
      const numbers: TestNumber[] = [];
      let path: string | undefined = `${account}/IncomingPhoneNumbers.json?PageSize=1000`;
      for (let page = 0; path !== undefined && page < MAX_LIST_PAGES; page++) {
        const listed: z.output<typeof incomingPage> = await call('list numbers', { method: 'GET', path, signal }, 200, incomingPage);
        numbers.push(...listed.incoming_phone_numbers.map(toTestNumber));
        path = listed.next_page_uri ?? undefined;
      }
      return numbers;
    },

    async provision(request: ProvisionRequest, signal) {
      const country = request.country.toUpperCase();
      if (!/^[A-Z]{2}$/.test(country)) throw new NumberProvisioningError(`country "${request.country}" is not an ISO 3166-1 alpha-2 code (e.g. US, GB)`);
      const search = `${account}/AvailablePhoneNumbers/${country}/Local.json?${new URLSearchParams({ SmsEnabled: 'true', PageSize: '1' })}`;
      const available = await call(`search SMS-capable local numbers in ${country}`, { method: 'GET', path: search, signal }, 200, availablePage);
      const candidate = available.available_phone_numbers[0];
      if (candidate === undefined) throw new NumberProvisioningError(`Twilio has no SMS-capable local number available in ${country}`);
      const form: Record<string, string> = { PhoneNumber: candidate.phone_number };
      if (request.label !== undefined) form.FriendlyName = request.label;
      if (request.smsWebhookUrl !== undefined) Object.assign(form, { SmsUrl: request.smsWebhookUrl, SmsMethod: 'POST' });
      const bought = await call(`buy ${maskNumber(candidate.phone_number)}`, { method: 'POST', path: `${account}/IncomingPhoneNumbers.json`, form, signal }, 201, incomingNumber);
      return { ...toTestNumber(bought), country };
    },

    async release(id, signal) {
      if (!SID.test(id)) throw new NumberProvisioningError(`"${id}" is not a Twilio phone number SID (PN followed by 32 hex digits)`);
      await call(`release ${id}`, { method: 'DELETE', path: `${account}/IncomingPhoneNumbers/${id}.json`, signal }, 204);
    },
  };
}

function toTestNumber(n: z.output<typeof incomingNumber>): TestNumber {
  return { id: n.sid, number: n.phone_number, provider: 'twilio', ...(isLabel(n.friendly_name, n.phone_number) && { label: n.friendly_name }) };
}

/** Without a FriendlyName Twilio uses the number itself, formatted (`(555) 555-0100`): not a label to print. */
function isLabel(friendlyName: string | null | undefined, number: string): friendlyName is string {
  if (!friendlyName) return false;
  const digits = friendlyName.replace(/\D/g, '');
  return digits.length < 7 || !number.replace(/\D/g, '').endsWith(digits);
}

function refused(step: string, answer: HttpAnswer, clock: Clock): NumberProvisioningError {
  const refusal = readRefusal(answer, clock.wallNow());
  return new NumberProvisioningError(`Twilio ${step} ${describeRefusal(refusal)}`, {
    cause: refusalCause(refusal), status: refusal.status, ...(refusal.code !== undefined && { providerCode: refusal.code }),
  });
}
