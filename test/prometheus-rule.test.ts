// The PrometheusRule for Operator users is the rule files themselves, never a copy that drifts: it holds
// exactly their groups, in order, and the kustomization deploys it beside the ServiceMonitor.
// Regenerate it after changing probe/rules: npx vitest run test/prometheus-rule.test.ts --update

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RULE_FILES, renderPrometheusRule } from '../probe/prometheus-rule.js';

const MANIFEST = new URL('../probe/deploy/kubernetes/prometheusrule.yaml', import.meta.url);
const readYaml = async (url: URL): Promise<any> => parse(await readFile(url, 'utf8'));

describe('probe/deploy/kubernetes/prometheusrule.yaml', () => {
  it('is what probe/prometheus-rule.ts renders from the rule files', async () => {
    await expect(await renderPrometheusRule()).toMatchFileSnapshot(fileURLToPath(MANIFEST));
  });

  it('holds exactly the groups of the objectives, recording and alert rule files, in that order', async () => {
    const manifest = await readYaml(MANIFEST);
    const fileGroups = [];
    for (const file of RULE_FILES) fileGroups.push(...(await readYaml(new URL(`../probe/rules/${file}`, import.meta.url))).groups);

    expect(manifest).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' });
    expect(manifest.spec.groups).toEqual(fileGroups);
  });

  it('is deployed by the kustomization, beside the ServiceMonitor', async () => {
    const kustomization = await readYaml(new URL('../probe/deploy/kubernetes/kustomization.yaml', import.meta.url));

    expect(kustomization.resources).toEqual(expect.arrayContaining(['servicemonitor.yaml', 'prometheusrule.yaml']));
  });
});
