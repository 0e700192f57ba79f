// A request to the team's own app, written once in config and filled in per run. Placeholders:
//   {{number}}  the E.164 test number, e.g. +15555550100
//   {{code}}    the OTP code (verify requests only)
// They are substituted in the URL (percent-encoded there), in header values, in the string leaves of
// `json` (the structure and every non-string value are kept; "{{code}}" stays a string, so a code with
// a leading zero survives), in the values of `form` (form-encoded) and in a raw `body`.

import type { HttpMethod, HttpRequest } from '../../http/exchange.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface HttpRequestTemplate {
  readonly method: HttpMethod;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Sent as application/json. */
  readonly json?: JsonValue | undefined;
  /** Sent as application/x-www-form-urlencoded; values are encoded, so `+` in a number survives. */
  readonly form?: Readonly<Record<string, string>> | undefined;
  /** Sent verbatim; set a content-type header yourself. */
  readonly body?: string | undefined;
}

export interface TemplateValues {
  readonly number: string;
  readonly code?: string;
}

export type PlaceholderName = keyof TemplateValues;

const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

/**
 * Fails fast, naming the template path, when the template cannot be rendered with the placeholders a
 * stage provides (e.g. `{{code}}` in a trigger, a typo like `{{numbr}}`, two body kinds at once).
 */
export function validateRequestTemplate(template: HttpRequestTemplate, available: readonly PlaceholderName[], where: string): void {
  const bodies = (['json', 'form', 'body'] as const).filter((kind) => template[kind] !== undefined);
  if (bodies.length > 1) throw new Error(`${where}: give one of json, form or body, not ${bodies.join(' and ')}`);
  if (!URL.canParse(template.url.replace(PLACEHOLDER, 'x'))) throw new Error(`${where}.url: not an absolute URL`);
  for (const [path, text] of stringLeaves(template, where)) {
    for (const match of text.matchAll(PLACEHOLDER)) {
      const name = match[1]!;
      if (!(available as readonly string[]).includes(name)) {
        throw new Error(`${path}: unknown placeholder {{${name}}} (available here: ${available.map((n) => `{{${n}}}`).join(', ')})`);
      }
    }
  }
}

/** Substitutes the placeholders: a request ready to send. Pure; the template must have passed validateRequestTemplate. */
export function renderRequest(template: HttpRequestTemplate, values: TemplateValues): HttpRequest {
  const fill = (text: string, encode: (value: string) => string = (v) => v): string =>
    text.replace(PLACEHOLDER, (whole, name: string) => {
      const value = values[name as PlaceholderName];
      return value === undefined ? whole : encode(value);
    });

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(template.headers ?? {})) headers[name.toLowerCase()] = fill(value);

  let body: string | undefined;
  if (template.json !== undefined) {
    body = JSON.stringify(mapStrings(template.json, (s) => fill(s)));
    headers['content-type'] ??= 'application/json';
  } else if (template.form !== undefined) {
    body = new URLSearchParams(Object.entries(template.form).map(([k, v]): [string, string] => [k, fill(v)])).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  } else if (template.body !== undefined) {
    body = fill(template.body);
  }

  return { method: template.method, url: fill(template.url, encodeURIComponent), headers, ...(body === undefined ? {} : { body }) };
}

function mapStrings(value: JsonValue, map: (text: string) => string): JsonValue {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  }
  return value;
}

function* stringLeaves(template: HttpRequestTemplate, where: string): Generator<[string, string]> {
  yield [`${where}.url`, template.url];
  for (const [name, value] of Object.entries(template.headers ?? {})) yield [`${where}.headers.${name}`, value];
  if (template.body !== undefined) yield [`${where}.body`, template.body];
  for (const [name, value] of Object.entries(template.form ?? {})) yield [`${where}.form.${name}`, value];
  if (template.json !== undefined) yield* jsonLeaves(template.json, `${where}.json`);
}

function* jsonLeaves(value: JsonValue, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* jsonLeaves(item, `${path}[${i}]`);
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) yield* jsonLeaves(item, `${path}.${key}`);
}
