// Small, typed readers for parsed command-line values: every bad value names its option.

import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParsedResults<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;
import { parseThreshold, type GateThresholdName } from '../fields/fields.js';
import { UsageError } from './errors.js';

export function positiveInteger(option: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${option} must be a whole number of at least 1, got "${raw}"`);
  }
  return value;
}

/** A gate threshold flag, refused by the rule of its config field (the Action's input says the same). */
export function gateThreshold(threshold: GateThresholdName, option: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const parsed = parseThreshold(threshold, `--${option}`, raw);
  if ('refusal' in parsed) throw new UsageError(parsed.refusal);
  return parsed.value;
}

export function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  return items.length > 0 ? items : undefined;
}

/** A TCP port; 0 asks the system for a free one. */
export function portNumber(option: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port > 65_535) throw new UsageError(`--${option} must be a whole number from 0 to 65535, got "${raw}"`);
  return port;
}

type ArgsConfig = Omit<ParseArgsConfig, 'args' | 'strict' | 'tokens'>;

/**
 * node:util parseArgs, with its errors said our way (`unknown option --sampels`) and naming the option;
 * parsed leniently so that every mistake is ours to word, then refused here.
 */
export function parseCommandArgs<const T extends ArgsConfig>(argv: string[], config: T): ParsedResults<T & { args: string[]; strict: true }> {
  const options = config.options ?? {};
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional' && config.allowPositionals !== true) throw new UsageError(`unexpected argument "${token.value}"`);
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (option === undefined) throw new UsageError(`unknown option ${token.rawName}`);
    if (option.type === 'string' && token.value === undefined) throw new UsageError(`${token.rawName} needs a value`);
    if (option.type === 'string' && token.inlineValue === false && /^-./.test(token.value)) {
      throw new UsageError(`${token.rawName} needs a value, got the option-like "${token.value}" (write ${token.rawName}=${token.value} if that is the value)`);
    }
    if (option.type === 'boolean' && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value, got "${token.value}"`);
  }
  return parseArgs({ ...config, args: argv, strict: true });
}
