// The rule files shipped in probe/rules, read the way Prometheus reads them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const RULES_DIR = join(import.meta.dirname, '../../probe/rules');

export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export const RULE_FILES: readonly string[] = readdirSync(RULES_DIR)
  .filter((name) => name.endsWith('.yml'))
  .map((name) => join(RULES_DIR, name));

export function loadRules(): Rule[] {
  return RULE_FILES.flatMap((file) => {
    const content = parse(readFileSync(file, 'utf8')) as { groups: { rules: Rule[] }[] };
    return content.groups.flatMap((group) => group.rules);
  });
}

/** Names of the series the recording rules write. */
export function recordedSeriesNames(): string[] {
  return loadRules().flatMap((rule) => rule.record ?? []);
}
