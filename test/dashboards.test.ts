// The shipped Grafana dashboards: the checked-in JSON is exactly the generator's output, loads by UI
// import and by file provisioning, and every query is PromQL over series that exist.
// Regenerate the JSON after changing dashboards/src: npx vitest run test/dashboards.test.ts --update
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS, renderDashboard } from '../dashboards/src/index.js';
import { PROBE_SERIES_NAMES, SCRAPE_SERIES_NAMES } from './support/metric-names.js';
import { recordedSeriesNames } from './support/prometheus-rules.js';
import { parsePromql } from './support/promql.js';

const dashboardsDir = join(import.meta.dirname, '../dashboards');
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
/** What Grafana puts in place of its built-in variables, in the test's stand-in values. */
const BUILT_IN_VARIABLES: Record<string, string> = { __rate_interval: '1m', __interval: '5m', __range: '1d' };
const VARIABLE_REFERENCE = /\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g;

interface Target {
  refId?: string;
  expr?: string;
  datasource?: unknown;
}
interface Panel {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: unknown;
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  type: string;
  name: string;
  label?: string;
  query?: unknown;
  datasource?: unknown;
  multi?: boolean;
  includeAll?: boolean;
  refresh?: number;
}
interface DashboardJson {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  __inputs?: unknown;
  links?: { url?: string }[];
  panels: Panel[];
  templating: { list: Variable[] };
}

function load(file: string): DashboardJson {
  return JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as DashboardJson;
}

function allPanels(dashboard: DashboardJson): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

function queryPanels(dashboard: DashboardJson): Panel[] {
  return allPanels(dashboard).filter((panel) => panel.type !== 'row');
}

function targets(dashboard: DashboardJson): Target[] {
  return queryPanels(dashboard).flatMap((panel) => panel.targets ?? []);
}

function referencedVariables(text: string): string[] {
  return [...text.matchAll(VARIABLE_REFERENCE)].map(([, braced, bare]) => (braced ?? bare)!);
}

/** The expression as Prometheus would receive it, with a sample value for every variable. */
function substitute(expr: string, variables: readonly Variable[]): string {
  return expr.replace(VARIABLE_REFERENCE, (reference, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    const builtIn = BUILT_IN_VARIABLES[name];
    if (builtIn !== undefined) return builtIn;
    const variable = variables.find((candidate) => candidate.name === name);
    if (variable === undefined) throw new Error(`${reference} is not a dashboard variable`);
    return variable.type === 'interval' ? '1h' : 'sample';
  });
}

describe.each(Object.keys(DASHBOARDS))('dashboards/%s', (file) => {
  it('is exactly what dashboards/src generates', async () => {
    await expect(renderDashboard(DASHBOARDS[file]!())).toMatchFileSnapshot(join(dashboardsDir, file));
  });

  it('has a stable uid, a title, a current schema and no import-only __inputs', () => {
    const dashboard = load(file);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{8,40}$/);
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.__inputs).toBeUndefined();
  });

  it('gives every panel a unique id and a grid position inside the 24 columns', () => {
    const panels = allPanels(load(file));
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(ids, panel.title).not.toContain(undefined);
      const { x, w, h } = panel.gridPos!;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      expect(h, panel.title).toBeGreaterThan(0);
    }
  });

  it('gives every panel a title, a description, a unit and at least one query', () => {
    for (const panel of queryPanels(load(file))) {
      expect(panel.title).toBeTruthy();
      expect(panel.description, panel.title).toBeTruthy();
      expect(panel.fieldConfig?.defaults?.unit, panel.title).toBeTruthy();
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('gives every query a refId, unique within its panel, and an expression', () => {
    for (const panel of queryPanels(load(file))) {
      const refIds = panel.targets!.map((target) => target.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      for (const target of panel.targets!) {
        expect(target.refId, panel.title).toMatch(/^[A-Z]$/);
        expect(target.expr, panel.title).toBeTruthy();
      }
    }
  });

  it('reads every panel and query from the ${datasource} variable', () => {
    const dashboard = load(file);
    for (const panel of queryPanels(dashboard)) expect(panel.datasource, panel.title).toEqual(DATASOURCE);
    for (const target of targets(dashboard)) expect(target.datasource, target.expr).toEqual(DATASOURCE);
  });

  it('lets users pick the data source and any checks and locations', () => {
    const variables = load(file).templating.list;
    expect(variables).toContainEqual(expect.objectContaining({ type: 'datasource', name: 'datasource', label: 'Data source', query: 'prometheus' }));
    for (const [name, query] of [
      ['check', 'label_values(otp_canary_runs_total, check)'],
      ['location', 'label_values(otp_canary_runs_total{check=~"$check"}, location)'],
    ] as const) {
      expect(variables).toContainEqual(
        expect.objectContaining({ type: 'query', name, datasource: DATASOURCE, definition: query, multi: true, includeAll: true, refresh: 2 }),
      );
    }
  });

  it('defines every variable its queries use', () => {
    const dashboard = load(file);
    const defined = new Set(dashboard.templating.list.map((variable) => variable.name));
    const texts = [...targets(dashboard).map((target) => target.expr!), ...dashboard.templating.list.map((variable) => JSON.stringify(variable.query ?? ''))];
    for (const text of texts) {
      for (const name of referencedVariables(text)) if (!name.startsWith('__')) expect(defined, text).toContain(name);
    }
  });

  it('has queries that parse as PromQL once the variables are substituted', () => {
    const dashboard = load(file);
    for (const target of targets(dashboard)) {
      const expr = substitute(target.expr!, dashboard.templating.list);
      expect(parsePromql(expr).errorOffsets, expr).toEqual([]);
    }
  });

  it('queries only series the probe exposes, up, and the series probe/rules records', () => {
    const dashboard = load(file);
    const known = new Set([...PROBE_SERIES_NAMES, ...SCRAPE_SERIES_NAMES, ...recordedSeriesNames()]);
    for (const target of targets(dashboard)) {
      for (const name of parsePromql(substitute(target.expr!, dashboard.templating.list)).metricNames) {
        expect(known, `${target.expr} queries ${name}`).toContain(name);
      }
    }
  });

  it('links to the runbook', () => {
    const urls = (load(file).links ?? []).map((link) => link.url);
    expect(urls).toContain('https://github.com/otp-canary/otp-canary/blob/main/docs/runbook.md');
  });
});

describe('dashboards/provisioning.yml', () => {
  it('provisions the otp-canary dashboards from files into their own folder', () => {
    const config = parse(readFileSync(join(dashboardsDir, 'provisioning.yml'), 'utf8')) as {
      apiVersion: number;
      providers: { name: string; type: string; folder: string; options: { path: string } }[];
    };
    expect(config.apiVersion).toBe(1);
    expect(config.providers).toEqual([expect.objectContaining({ type: 'file', folder: 'otp-canary', options: expect.objectContaining({ path: expect.any(String) }) })]);
  });
});
