// MailSlurp phone numbers as test numbers: list (GET /phone/numbers), rent (POST /phone) and release
// (DELETE /phone/numbers/{id}). Each rental bills a month, so numbers are long-lived per environment,
// told apart by their name. MailSlurp only creates numbers through the API once the account has a
// phone plan and API phone creation is enabled in its dashboard; until then it refuses, and we say so.

import { z } from 'zod';
import type { NumberProvisioner, ProvisionRequest, TestNumber } from '../../core/numbers.js';
import type { HttpAnswer, TransportFailure } from '../../http/exchange.js';
import { isSuccess, parseBody } from '../../http/json-api.js';
import { NumberProvisioningError } from '../number-errors.js';
import { callMailSlurp, describeRefusal, refusalCause, type MailSlurpConnection } from './client.js';

export interface MailSlurpNumbersOptions extends MailSlurpConnection {
  /** Per request. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const PAGE_SIZE = 100;
/** A bound on paging, so a misbehaving answer cannot loop us forever (10,000 numbers). */
const MAX_PAGES = 100;

/** PhoneNumberProjection / PhoneNumberDto: the fields we read. */
const phoneNumber = z.object({
  id: z.string(),
  phoneNumber: z.string(),
  phoneCountry: z.string().optional(),
  name: z.string().nullish(),
});
const phoneNumberPage = z.object({ content: z.array(phoneNumber).default([]), totalPages: z.number().int().nonnegative(), last: z.boolean().optional() });

export function createMailSlurpProvisioner(options: MailSlurpNumbersOptions): NumberProvisioner {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    type: 'mailslurp',

    async list(signal: AbortSignal): Promise<TestNumber[]> {
      const numbers: TestNumber[] = [];
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await callMailSlurp(options, {
          method: 'GET', path: '/phone/numbers', query: { page: String(page), size: String(PAGE_SIZE) }, timeoutMs, signal,
        });
        const body = readAnswer(answer, phoneNumberPage, 'listing phone numbers');
        numbers.push(...body.content.map(toTestNumber));
        if (body.last === true || page + 1 >= body.totalPages) return numbers;
      }
      return numbers;
    },

    async provision(request: ProvisionRequest, signal: AbortSignal): Promise<TestNumber> {
      if (request.smsWebhookUrl !== undefined) {
        throw new NumberProvisioningError(
          'MailSlurp pushes SMS in its own webhook format (NEW_SMS), which the webhook inbox does not read: rent the number without a webhook URL and use `inbox: { type: mailslurp }`',
        );
      }
      const country = request.country.toUpperCase();
      if (!/^[A-Z]{2}$/.test(country)) throw new NumberProvisioningError(`country "${request.country}" is not an ISO 3166-1 alpha-2 code (e.g. US, GB)`);
      const answer = await callMailSlurp(options, {
        method: 'POST', path: '/phone', json: { phoneCountry: country, ...(request.label !== undefined && { name: request.label }) }, timeoutMs, signal,
      });
      if (answer.kind === 'answer' && answer.status >= 400 && answer.status < 500 && answer.status !== 401 && answer.status !== 403) {
        throw new NumberProvisioningError(
          `MailSlurp refused to rent a ${country} number (${describeRefusal(answer)}). It rents numbers through the API only for accounts with a phone plan and API phone creation enabled in the dashboard, and only in the countries it lists for phoneCountry`,
          { cause: refusalCause(answer), status: answer.status },
        );
      }
      return toTestNumber(readAnswer(answer, phoneNumber, 'renting a phone number'));
    },

    async release(id: string, signal: AbortSignal): Promise<void> {
      const answer = await callMailSlurp(options, { method: 'DELETE', path: `/phone/numbers/${encodeURIComponent(id)}`, timeoutMs, signal });
      if (answer.kind === 'answer' && answer.status === 404) throw new NumberProvisioningError(`MailSlurp has no phone number with id "${id}" (404)`, { cause: refusalCause(answer), status: 404 });
      accepted(answer, `releasing phone number "${id}"`);
    },
  };
}

function toTestNumber(dto: z.output<typeof phoneNumber>): TestNumber {
  return {
    id: dto.id,
    number: dto.phoneNumber,
    provider: 'mailslurp',
    ...(dto.phoneCountry !== undefined && { country: dto.phoneCountry }),
    ...(dto.name != null && dto.name !== '' && { label: dto.name }),
  };
}

/** The answer, when it is a 2xx; otherwise an error saying what failed. */
function accepted(answer: HttpAnswer | TransportFailure, doing: string): HttpAnswer {
  if (answer.kind === 'transport') throw new NumberProvisioningError(`MailSlurp, ${doing}: ${answer.description}`, { cause: answer.cause });
  if (!isSuccess(answer)) throw new NumberProvisioningError(`${describeRefusal(answer)} while ${doing}`, { cause: refusalCause(answer), status: answer.status });
  return answer;
}

/** A 2xx answer's JSON body as `schema` reads it. */
function readAnswer<T extends z.ZodType>(answer: HttpAnswer | TransportFailure, schema: T, doing: string): z.output<T> {
  const ok = accepted(answer, doing);
  const parsed = parseBody(ok, schema);
  if (!parsed.ok) throw new NumberProvisioningError(`MailSlurp's answer to ${doing} is not the documented JSON`, { cause: parsed.cause, status: ok.status });
  return parsed.value;
}
