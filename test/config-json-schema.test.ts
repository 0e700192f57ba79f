import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchema } from '../src/config/index.js';

// A JSON Schema validator for exactly the keywords the generated schema uses. It refuses any other
// keyword, so a schema change it does not understand fails these tests instead of passing unchecked.

type Schema = Record<string, unknown>;

const DRAFT_2020_12_KEYWORDS = new Set([
  // core
  '$schema', '$id', '$ref', '$anchor', '$dynamicRef', '$dynamicAnchor', '$vocabulary', '$comment', '$defs',
  // applicator and unevaluated
  'prefixItems', 'items', 'contains', 'additionalProperties', 'properties', 'patternProperties', 'dependentSchemas',
  'propertyNames', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf', 'not', 'unevaluatedItems', 'unevaluatedProperties',
  // validation
  'type', 'const', 'enum', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength',
  'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxContains', 'minContains', 'maxProperties',
  'minProperties', 'required', 'dependentRequired',
  // meta-data, format, content
  'title', 'description', 'default', 'deprecated', 'readOnly', 'writeOnly', 'examples', 'format',
  'contentEncoding', 'contentMediaType', 'contentSchema',
]);
const JSON_TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default', '$defs']);

/** Every subschema of `schema` (itself included), found through the applicator keywords. */
function subschemas(schema: Schema): Schema[] {
  const children: unknown[] = [
    ...Object.values((schema.properties as Record<string, unknown> | undefined) ?? {}),
    ...Object.values((schema.$defs as Record<string, unknown> | undefined) ?? {}),
    ...((schema.anyOf as unknown[] | undefined) ?? []),
    ...((schema.oneOf as unknown[] | undefined) ?? []),
    schema.items,
    schema.propertyNames,
    typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined,
  ];
  return [schema, ...children.filter((child): child is Schema => child !== undefined).flatMap(subschemas)];
}

function resolve(root: Schema, ref: string): Schema {
  const name = /^#\/\$defs\/(.+)$/.exec(ref)?.[1];
  const target = name === undefined ? undefined : (root.$defs as Record<string, Schema> | undefined)?.[name];
  if (!target) throw new Error(`unresolvable $ref ${ref}`);
  return target;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  return typeOf(value) === type;
}

/** The errors of `value` against `schema`, each as `path: keyword`. */
function validate(schema: Schema, value: unknown, root: Schema = schema, path = '$'): string[] {
  const errors: string[] = [];
  for (const [keyword, arg] of Object.entries(schema)) {
    const fail = () => errors.push(`${path}: ${keyword}`);
    switch (keyword) {
      case '$ref':
        errors.push(...validate(resolve(root, arg as string), value, root, path));
        break;
      case 'type':
        if (!hasType(value, arg as string)) fail();
        break;
      case 'const':
        if (!isDeepStrictEqual(value, arg)) fail();
        break;
      case 'enum':
        if (!(arg as unknown[]).some((option) => isDeepStrictEqual(value, option))) fail();
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value)) fail();
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (arg as number)) fail();
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (arg as number)) fail();
        break;
      case 'exclusiveMinimum':
        if (typeof value === 'number' && value <= (arg as number)) fail();
        break;
      case 'minLength':
        if (typeof value === 'string' && Array.from(value).length < (arg as number)) fail();
        break;
      case 'maxLength':
        if (typeof value === 'string' && Array.from(value).length > (arg as number)) fail();
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (arg as number)) fail();
        break;
      case 'items':
        if (Array.isArray(value)) value.forEach((item, i) => errors.push(...validate(arg as Schema, item, root, `${path}[${i}]`)));
        break;
      case 'required':
        if (typeOf(value) === 'object' && (arg as string[]).some((key) => !(key in (value as object)))) fail();
        break;
      case 'properties':
      case 'additionalProperties':
      case 'propertyNames':
        if (typeOf(value) === 'object') errors.push(...validateObject(schema, keyword, value as Record<string, unknown>, root, path));
        break;
      case 'anyOf':
        if (!(arg as Schema[]).some((option) => validate(option, value, root, path).length === 0)) fail();
        break;
      case 'oneOf':
        if ((arg as Schema[]).filter((option) => validate(option, value, root, path).length === 0).length !== 1) fail();
        break;
      default:
        if (!ANNOTATIONS.has(keyword)) throw new Error(`the test validator does not handle "${keyword}"`);
    }
  }
  return errors;
}

function validateObject(schema: Schema, keyword: string, value: Record<string, unknown>, root: Schema, path: string): string[] {
  const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
  return Object.entries(value).flatMap(([key, child]) => {
    const at = `${path}.${key}`;
    if (keyword === 'propertyNames') return validate(schema.propertyNames as Schema, key, root, at);
    if (keyword === 'properties') return key in properties ? validate(properties[key]!, child, root, at) : [];
    if (key in properties) return [];
    const additional = schema.additionalProperties;
    return additional === false ? [`${at}: additionalProperties`] : validate(additional as Schema, child, root, at);
  });
}

const schema = configJsonSchema();
const yamlOf = (path: string): unknown => parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'));

describe('configJsonSchema', () => {
  test('declares draft 2020-12', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  test('uses only draft 2020-12 keywords, with well-formed values', () => {
    for (const sub of subschemas(schema)) {
      for (const keyword of Object.keys(sub)) expect(DRAFT_2020_12_KEYWORDS, keyword).toContain(keyword);
      if ('type' in sub) expect(JSON_TYPES).toContain(sub.type);
      if ('required' in sub) expect(new Set(sub.required as string[]).size).toBe((sub.required as string[]).length);
      if ('pattern' in sub) expect(() => new RegExp(sub.pattern as string, 'u')).not.toThrow();
      if ('$ref' in sub) expect(() => resolve(schema, sub.$ref as string)).not.toThrow();
    }
  });

  test.each(['examples/demo.yml', 'examples/otp-canary.yml'])('%s validates against it', (path) => {
    expect(validate(schema, yamlOf(path))).toEqual([]);
  });

  test('flags an unknown key, as the loader does', () => {
    const config = yamlOf('examples/demo.yml') as { checks: Record<string, unknown>[] };
    config.checks[0]!.timeots = { delivery: '5s' };
    expect(validate(schema, config)).toContain('$.checks[0].timeots: additionalProperties');
  });

  test('describes an explicitly unsigned vonage inbox, a generic timestamp tolerance and the probe\'s replay memory', () => {
    const config = yamlOf('examples/demo.yml') as { checks: Record<string, unknown>[]; probe?: Record<string, unknown> };
    config.checks[0]!.inbox = { type: 'webhook', format: 'vonage', unsigned: true };
    config.checks[1]!.inbox = { type: 'webhook', format: 'generic', secret: '${GATEWAY_SECRET}', timestampTolerance: '2m' };
    config.probe = { ...config.probe, webhookReplays: { path: '/var/lib/otp-canary/webhook-replays.json', maxEntries: 5000, maxAge: '24h' } };
    expect(validate(schema, config)).toEqual([]);
    config.checks[0]!.inbox = { type: 'webhook', format: 'vonage', unsigned: false };
    expect(validate(schema, config)).not.toEqual([]);
  });

  test('describes durations as strings with a unit, or a ${VAR} to be filled in at load', () => {
    const route = ['properties', 'checks', 'items', 'properties', 'timeouts', 'properties', 'delivery'];
    const delivery = route.reduce<unknown>((node, key) => (node as Schema)[key], schema) as Schema;
    expect(validate(delivery, '60s')).toEqual([]);
    expect(validate(delivery, '${DELIVERY_TIMEOUT}')).toEqual([]);
    expect(validate(delivery, 60)).toEqual(['$: type']);
    expect(validate(delivery, '60 seconds')).toEqual(['$: pattern']);
  });
});
