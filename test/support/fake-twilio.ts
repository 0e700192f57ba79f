// A loopback Twilio for contract tests. Every request is matched to an operation of Twilio's published
// OpenAPI documents (twilio-oai: Verify v2 and the 2010-04-01 API) and validated against it: path
// parameters, query parameters (no undocumented ones), the form body, HTTP Basic credentials. A request
// that breaks the contract is recorded as a violation and answered 400, so no test can pass on it.
// Answers come from per-operation handlers; by default the spec's own example for the operation.
//
// The documents are used as published, with the adjustments their provenance notes list as known
// quirks (strict mode off, Twilio's custom formats accepted, `nullable` without `type` dropped, page
// URIs relative) plus one: the DateSent filters are declared `format: date-time`, yet their
// description and the spec's own examples use the day form YYYY-MM-DD, which is what the API takes.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import twilio, { type Twilio } from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

type RequestOptions<TData> = RequestClient.RequestOptions<TData>;

const SPECS_DIR = fileURLToPath(new URL('../fixtures/specs', import.meta.url));
const SPEC_FILES = { verify: 'twilio_verify_v2.json', api: 'twilio_api_v2010.json' } as const;
const TWILIO_FORMATS = [
  'date-time-rfc-2822', 'phone-number', 'uri-map', 'currency', 'http-method', 'iso-country-code',
  'phone-number-capabilities', 'endpoint', 'twiml', 'ice-server',
];

/** What the fake saw of one request: enough to compare our adapter's request with the SDK's. */
export interface RecordedRequest {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  /** Query parameters, sorted by name then value. */
  readonly query: readonly [string, string][];
  /** Form body parameters, sorted by name then value. */
  readonly form: readonly [string, string][];
  readonly authorization: string | undefined;
  /** Media type without parameters (`application/x-www-form-urlencoded`), when there is a body. */
  readonly contentType: string | undefined;
  readonly pathParams: Readonly<Record<string, string>>;
}

export interface FakeAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An answer, or a promise of one: a test can hold a request open until it chooses to answer. */
export type Handler = (req: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>;

interface Operation {
  readonly id: string;
  readonly method: string;
  readonly pattern: RegExp;
  readonly literalLength: number;
  readonly validatePath: ValidateFunction;
  readonly validateQuery: ValidateFunction;
  readonly validateForm?: ValidateFunction;
  readonly defaultAnswer: FakeAnswer;
  readonly validateAnswer: Map<number, ValidateFunction>;
}

interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
}

type Json = Record<string, unknown>;

let operationsCache: Operation[] | undefined;

/** The operations of both documents, compiled once per test file. */
function operations(): Operation[] {
  if (operationsCache) return operationsCache;
  const ajv = new Ajv({ strict: false, coerceTypes: true, allErrors: true });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  for (const format of TWILIO_FORMATS) ajv.addFormat(format, true);
  const ops: Operation[] = [];
  for (const [name, file] of Object.entries(SPEC_FILES)) {
    const spec = withQuirksFixed(JSON.parse(readFileSync(`${SPECS_DIR}/${file}`, 'utf8')) as Json);
    ajv.addSchema(spec, name);
    const ref = (pointer: string[]) => ({ $ref: `${name}#/${pointer.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}` });
    // Compiled on first use: the documents hold hundreds of operations, a test uses a handful.
    const lazily = (schema: () => object): ValidateFunction => {
      let compiled: ValidateFunction | undefined;
      const validate = ((data: unknown) => {
        compiled ??= ajv.compile(schema());
        const ok = compiled(data);
        validate.errors = compiled.errors ?? null;
        return ok;
      }) as ValidateFunction;
      return validate;
    };
    for (const [path, item] of Object.entries(spec.paths as Record<string, Json>)) {
      for (const method of ['get', 'post', 'delete']) {
        const op = item[method] as Json | undefined;
        if (!op) continue;
        const params = (op.parameters ?? []) as OpenApiParameter[];
        const group = (where: string) => {
          const properties: Json = {};
          const required: string[] = [];
          params.forEach((p, index) => {
            if (p.in !== where) return;
            properties[p.name] = ref(['paths', path, method, 'parameters', String(index), 'schema']);
            if (p.required || where === 'path') required.push(p.name);
          });
          return lazily(() => ({ type: 'object', properties, required, additionalProperties: false }));
        };
        const formPointer = ['paths', path, method, 'requestBody', 'content', 'application/x-www-form-urlencoded', 'schema'];
        const formSchema = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.['application/x-www-form-urlencoded'] as Json | undefined;
        // The documented parameters only: a misspelt one is a contract breach, not an extra Twilio ignores.
        const formNames = Object.keys((formSchema?.schema as Json | undefined)?.properties ?? {});
        const responses = op.responses as Record<string, Json>;
        const validateAnswer = new Map<number, ValidateFunction>();
        let defaultAnswer: FakeAnswer | undefined;
        for (const [status, response] of Object.entries(responses)) {
          const json = (response.content as Json | undefined)?.['application/json'] as Json | undefined;
          if (json === undefined) {
            if (status.startsWith('2')) defaultAnswer ??= { status: Number(status) };
            continue;
          }
          validateAnswer.set(Number(status), lazily(() => ref(['paths', path, method, 'responses', status, 'content', 'application/json', 'schema'])));
          const example = Object.values((json.examples ?? {}) as Record<string, { value: unknown }>)[0];
          if (status.startsWith('2') && example) defaultAnswer ??= { status: Number(status), body: example.value };
        }
        ops.push({
          id: op.operationId as string,
          method: method.toUpperCase(),
          pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, '(?<$1>[^/]+?)')}$`),
          literalLength: path.replace(/\{\w+\}/g, '').length,
          validatePath: group('path'),
          validateQuery: group('query'),
          ...(formSchema && { validateForm: lazily(() => ({ allOf: [ref(formPointer)], propertyNames: { enum: formNames } })) }),
          defaultAnswer: defaultAnswer ?? { status: 200, body: {} },
          validateAnswer,
        });
      }
    }
  }
  // The most literal template first: IncomingPhoneNumbers/Local.json before IncomingPhoneNumbers/{Sid}.json.
  ops.sort((a, b) => b.literalLength - a.literalLength);
  operationsCache = ops;
  return ops;
}

function withQuirksFixed(spec: Json): Json {
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach((item) => walk(item));
    if (typeof node !== 'object' || node === null) return;
    const record = node as Json;
    if (record.nullable === true && record.type === undefined) delete record.nullable;
    if (record.format === 'uri') record.format = 'uri-reference';
    if (typeof record.name === 'string' && record.name.startsWith('DateSent')) delete (record.schema as Json | undefined)?.format;
    for (const [childKey, child] of Object.entries(record)) if (childKey !== 'example' && childKey !== 'examples') walk(child);
  };
  walk(spec);
  return spec;
}

export interface FakeTwilio {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Contract breaches seen: requests that did not match the spec, answers the test gave that do not either. */
  readonly violations: string[];
  /** Answers `operationId` with `handler` from now on (the spec's example otherwise). */
  on(operationId: string, handler: Handler): void;
  close(): Promise<void>;
}

export async function startFakeTwilio(options: { readonly username: string; readonly password: string }): Promise<FakeTwilio> {
  const ops = operations();
  const handlers = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;

  const server: Server = createServer((req, res) => {
    void readBody(req).then(async (text) => {
      const answer = await handle(req, text);
      res.writeHead(answer.status, { ...(answer.body !== undefined && { 'content-type': 'application/json' }), ...answer.headers });
      res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    });
  });

  const handle = async (req: IncomingMessage, text: string): Promise<FakeAnswer> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const match = ops.map((op) => ({ op, m: op.method === method ? op.pattern.exec(url.pathname) : null })).find((c) => c.m !== null);
    if (!match) return refuse(`${method} ${url.pathname}: no such operation in the Twilio specs`, 404, 20404);
    const { op, m } = match;
    const pathParams = { ...m!.groups } as Record<string, string>;
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    const form = contentType === 'application/x-www-form-urlencoded' ? [...new URLSearchParams(text)] : [];
    const recorded: RecordedRequest = {
      operationId: op.id, method, path: url.pathname, query: sorted([...url.searchParams]), form: sorted(form),
      authorization: req.headers.authorization, contentType, pathParams,
    };
    requests.push(recorded);
    const problems = [
      ...errorsOf('path', op.validatePath, { ...pathParams }),
      ...errorsOf('query', op.validateQuery, Object.fromEntries(url.searchParams)),
      ...(op.validateForm ? errorsOf('form', op.validateForm, Object.fromEntries(form)) : text ? ['body: this operation takes none'] : []),
      ...(op.validateForm && contentType !== 'application/x-www-form-urlencoded' ? [`content-type ${contentType}: expected application/x-www-form-urlencoded`] : []),
      ...(new Set(form.map(([name]) => name)).size !== form.length ? ['form: a parameter is repeated'] : []),
    ];
    if (problems.length > 0) return refuse(`${op.id}: ${problems.join('; ')}`, 400, 60200);
    if (req.headers.authorization !== expectedAuth) {
      return { status: 401, body: twilioError(20003, 'Authenticate', 401) };
    }
    const answer = await (handlers.get(op.id) ?? (() => op.defaultAnswer))(recorded);
    const validate = op.validateAnswer.get(answer.status);
    if (validate && !validate(answer.body)) violations.push(`answer to ${op.id} ${answer.status}: ${JSON.stringify(validate.errors)}`);
    return answer;
  };

  const refuse = (problem: string, status: number, code: number): FakeAnswer => {
    violations.push(problem);
    return { status, body: twilioError(code, problem, status) };
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    on: (operationId, handler) => {
      if (!ops.some((op) => op.id === operationId)) throw new Error(`no operation ${operationId} in the Twilio specs`);
      handlers.set(operationId, handler);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A copy of the spec's example answer to `operationId`, for a test to vary one field of. */
export function specExample(operationId: string): Record<string, unknown> {
  const op = operations().find((o) => o.id === operationId);
  if (op?.defaultAnswer.body === undefined) throw new Error(`no example answer for ${operationId}`);
  return structuredClone(op.defaultAnswer.body) as Record<string, unknown>;
}

/** Twilio's error body, as its error pages and the Verify 429 example show it. */
export function twilioError(code: number, message: string, status: number) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function errorsOf(where: string, validate: ValidateFunction, data: unknown): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => {
    const name = (e.params as { additionalProperty?: string; propertyName?: string }).additionalProperty ?? (e.params as { propertyName?: string }).propertyName;
    return `${where}${e.instancePath} ${e.message ?? ''}${name === undefined ? '' : ` (${name})`}`;
  });
}

function sorted(entries: [string, string][]): [string, string][] {
  return [...entries].sort(([a, x], [b, y]) => (a === b ? x.localeCompare(y) : a < b ? -1 : 1));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * The official SDK, pointed at the fake: its own RequestClient, with each request's origin
 * (verify.twilio.com, api.twilio.com) swapped for the fake's, so everything else it sends is its own.
 */
export function twilioSdk(fakeUrl: string, accountSid: string, authToken: string): Twilio {
  class LoopbackRequestClient extends twilio.RequestClient {
    override request<TData>(opts: RequestOptions<TData>) {
      const uri = new URL(opts.uri);
      return super.request<TData>({ ...opts, uri: `${fakeUrl}${uri.pathname}${uri.search}` });
    }
  }
  return twilio(accountSid, authToken, { httpClient: new LoopbackRequestClient(), autoRetry: false });
}
