// The slice of Grafana's dashboard JSON model (schemaVersion 39) the otp-canary dashboards use, and
// helpers that keep what every panel needs in one place: the `${datasource}` variable, a unit, a
// description, unique ids and a grid position. Files are loadable by UI import and by provisioning.

export const SCHEMA_VERSION = 39;
export const RUNBOOK_URL = 'https://github.com/otp-canary/otp-canary/blob/main/docs/runbook.md';
export const ALERTS_DOC_URL = 'https://github.com/otp-canary/otp-canary/blob/main/docs/alerts.md';

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const GRID_COLUMNS = 24;

export interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
  readonly instant?: boolean;
  readonly range?: boolean;
  readonly format?: 'time_series' | 'table' | 'heatmap';
  readonly datasource: typeof DATASOURCE;
}

export interface GridPos {
  readonly h: number;
  readonly w: number;
  readonly x: number;
  readonly y: number;
}

export interface PanelSpec {
  readonly type: 'timeseries' | 'stat' | 'table' | 'heatmap' | 'bargauge';
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly w: number;
  readonly h: number;
  readonly targets: readonly Omit<Target, 'refId' | 'datasource'>[];
  /** Lower bound of $__interval for the panel: a probe runs every few minutes, not every scrape. */
  readonly interval?: string;
  readonly min?: number;
  readonly max?: number;
  readonly thresholds?: readonly { readonly value: number | null; readonly color: string }[];
  readonly mappings?: readonly unknown[];
  readonly custom?: Readonly<Record<string, unknown>>;
  readonly overrides?: readonly unknown[];
  readonly options?: Readonly<Record<string, unknown>>;
  readonly transformations?: readonly unknown[];
}

export interface Section {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface Variable {
  readonly type: 'datasource' | 'query' | 'interval';
  readonly name: string;
  readonly [key: string]: unknown;
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Record<string, unknown>[];
  readonly templating: { readonly list: readonly Variable[] };
  readonly [key: string]: unknown;
}

export function datasourceVariable(): Variable {
  return { type: 'datasource', name: 'datasource', label: 'Data source', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '', options: [] };
}

/** A multi-value label variable read from the probe's runs counter, refreshed when the time range changes. */
export function labelVariable(name: string, label: string, query: string): Variable {
  return {
    type: 'query',
    name,
    label,
    datasource: DATASOURCE,
    definition: query,
    query: { qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: {},
    sort: 1,
    hide: 0,
    regex: '',
    options: [],
  };
}

/** The range the rate-based panels look back over: long enough to hold several runs of a check. */
export function windowVariable(): Variable {
  const values = ['30m', '1h', '3h', '6h', '12h', '1d'];
  return {
    type: 'interval',
    name: 'window',
    label: 'Window',
    description: 'Range of the rate and quantile queries; keep it at several times the checks\' schedule.',
    query: values.join(','),
    auto: false,
    current: { selected: true, text: '1h', value: '1h' },
    options: values.map((value) => ({ selected: value === '1h', text: value, value })),
    refresh: 2,
    hide: 0,
  };
}

function panel(spec: PanelSpec, id: number, gridPos: GridPos): Record<string, unknown> {
  const { type, title, description, unit, targets, interval, min, max, thresholds, mappings, custom, overrides, options, transformations } = spec;
  return {
    id,
    type,
    title,
    description,
    gridPos,
    datasource: DATASOURCE,
    ...(interval === undefined ? {} : { interval }),
    fieldConfig: {
      defaults: {
        unit,
        ...(min === undefined ? {} : { min }),
        ...(max === undefined ? {} : { max }),
        thresholds: { mode: 'absolute', steps: thresholds ?? [{ value: null, color: 'green' }] },
        mappings: mappings ?? [],
        ...(custom === undefined ? {} : { custom }),
      },
      overrides: overrides ?? [],
    },
    options: options ?? {},
    ...(transformations === undefined ? {} : { transformations }),
    targets: targets.map((target, index) => ({ ...target, refId: String.fromCharCode(65 + index), datasource: DATASOURCE })),
  };
}

/** Lays sections out top to bottom, each under a row header, panels left to right, wrapping at 24 columns. */
export function arrange(sections: readonly Section[]): Record<string, unknown>[] {
  const panels: Record<string, unknown>[] = [];
  let y = 0;
  for (const section of sections) {
    panels.push({ id: panels.length + 1, type: 'row', title: section.title, collapsed: false, gridPos: { h: 1, w: GRID_COLUMNS, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const spec of section.panels) {
      if (x + spec.w > GRID_COLUMNS) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(panel(spec, panels.length + 1, { h: spec.h, w: spec.w, x, y }));
      x += spec.w;
      rowHeight = Math.max(rowHeight, spec.h);
    }
    y += rowHeight;
  }
  return panels;
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly Variable[];
  readonly sections: readonly Section[];
  readonly links: readonly Record<string, unknown>[];
}

export function dashboard(spec: DashboardSpec): Dashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    time: { from: 'now-24h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    refresh: '1m',
    fiscalYearStartMonth: 0,
    liveNow: false,
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: spec.links,
    templating: { list: spec.variables },
    panels: arrange(spec.sections),
  };
}

export function link(title: string, url: string, tooltip: string): Record<string, unknown> {
  return { title, url, tooltip, type: 'link', icon: 'doc', targetBlank: true, asDropdown: false, includeVars: false, keepTime: false, tags: [] };
}

/** A link to another otp-canary dashboard that carries the selected checks, locations and time range. */
export function dashboardLink(title: string, uid: string, tooltip: string): Record<string, unknown> {
  return { title, url: `/d/${uid}`, tooltip, type: 'link', icon: 'dashboard', targetBlank: false, asDropdown: false, includeVars: true, keepTime: true, tags: [] };
}

/** Lower bound of $__interval for per-interval panels: a probe runs every few minutes, not every scrape. */
export const PROBE_INTERVAL = '5m';
/** Legend of series labelled by check and location. */
export const BY_CHECK = '{{check}} · {{location}}';

/** A stat showing the latest value of each series with its name, coloured by threshold. */
export const STAT_OPTIONS = {
  reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
  textMode: 'value_and_name',
  colorMode: 'background',
  graphMode: 'none',
} as const;

/** A heatmap of pre-bucketed histogram counts (format: heatmap) with seconds on the y axis. */
export const LATENCY_HEATMAP_OPTIONS = {
  calculate: false,
  yAxis: { axisPlacement: 'left', unit: 's' },
  rowsFrame: { layout: 'auto' },
  color: { mode: 'scheme', scheme: 'Oranges', fill: 'dark-orange', scale: 'exponential', exponent: 0.5, steps: 64, reverse: false },
  cellGap: 1,
  filterValues: { le: 1e-9 },
  showValue: 'never',
  tooltip: { mode: 'single', yHistogram: true, showColorScale: false },
  legend: { show: true },
} as const;

/** Bars of counts per $__interval, stacked: the shape of "what failed, when". */
export const STACKED_BARS = {
  drawStyle: 'bars',
  fillOpacity: 80,
  lineWidth: 1,
  stacking: { mode: 'normal', group: 'A' },
} as const;
