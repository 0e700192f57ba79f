// The Prometheus Operator's form of probe/rules/: one PrometheusRule holding every group of the three
// rule files, in order, with their comments. probe/deploy/kubernetes/prometheusrule.yaml is its output;
// regenerate it after changing a rule file: npx vitest run test/prometheus-rule.test.ts --update

import { readFile } from 'node:fs/promises';
import { Document, isSeq, parseDocument, YAMLSeq } from 'yaml';

export const RULE_FILES = ['otp-canary-objectives.yml', 'otp-canary-recording.yml', 'otp-canary-alerts.yml'] as const;

const RULES_DIR = new URL('./rules/', import.meta.url);

const HEADER = `\
Generated from probe/rules/*.yml by probe/prometheus-rule.ts: edit those files (the objectives in
otp-canary-objectives.yml), then run npx vitest run test/prometheus-rule.test.ts --update.
For the Prometheus Operator. Your Prometheus must select this PrometheusRule (its ruleSelector, often
a \`release:\` label).`;

export async function renderPrometheusRule(): Promise<string> {
  const groups = new YAMLSeq();
  for (const file of RULE_FILES) {
    const source = parseDocument(await readFile(new URL(file, RULES_DIR), 'utf8'));
    const fileGroups = source.get('groups', true);
    if (!isSeq(fileGroups)) throw new Error(`probe/rules/${file}: no groups list`);
    groups.items.push(...fileGroups.items);
  }
  const manifest = new Document({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'otp-canary', labels: { 'app.kubernetes.io/name': 'otp-canary-probe', 'app.kubernetes.io/component': 'rules' } },
    spec: { groups: [] },
  });
  manifest.setIn(['spec', 'groups'], groups);
  manifest.commentBefore = HEADER.split('\n').map((line) => ` ${line}`).join('\n');
  return manifest.toString({ lineWidth: 0 });
}
