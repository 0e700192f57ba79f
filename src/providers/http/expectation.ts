// The answer a check declares it expects from the team's app: statuses, and JSON fields with their values.

import { isDeepStrictEqual } from 'node:util';
import { isRecord, parseJson } from '../../http/answer.js';
import type { JsonValue } from './template.js';

export interface HttpExpectation {
  /** Accepted statuses; absent means any 2xx. */
  readonly status?: number | readonly number[] | undefined;
  /** Dot paths into the JSON body (`data.valid`, `items.0.id`) and the value each must equal. */
  readonly json?: Readonly<Record<string, JsonValue>> | undefined;
}

export interface AnswerBody {
  readonly status: number;
  readonly text: string;
  readonly truncated: boolean;
}

export type ExpectationCheck = { readonly met: true } | { readonly met: false; readonly statusMet: boolean; readonly why: string };

export function checkExpectation(answer: AnswerBody, expect: HttpExpectation): ExpectationCheck {
  const statuses = expect.status === undefined ? undefined : [expect.status].flat();
  const statusMet = statuses === undefined ? answer.status >= 200 && answer.status < 300 : statuses.includes(answer.status);
  if (!statusMet) {
    return { met: false, statusMet, why: `expected status ${statuses?.join(' or ') ?? '2xx'}` };
  }
  const expectedFields = Object.entries(expect.json ?? {});
  if (expectedFields.length === 0) return { met: true };
  if (answer.truncated) return { met: false, statusMet, why: 'the body is too large to check the expected JSON' };
  const json = parseJson(answer.text);
  if (json === undefined) return { met: false, statusMet, why: 'the body is not JSON' };
  for (const [path, expected] of expectedFields) {
    if (!isDeepStrictEqual(valueAt(json, path), expected)) return { met: false, statusMet, why: `JSON field ${path} is not ${JSON.stringify(expected)}` };
  }
  return { met: true };
}

function valueAt(json: unknown, path: string): unknown {
  let node = json;
  for (const key of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isRecord(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}
