// What both otp-canary dashboards show alike: the check, location and window selection, the links to
// the runbook and the alerts reference, and the panels that mean the same thing on either.
import { ALERTS_DOC_URL, BY_CHECK, LATENCY_HEATMAP_OPTIONS, PROBE_INTERVAL, RUNBOOK_URL, STAT_OPTIONS, datasourceVariable, labelVariable, link, windowVariable, type PanelSpec, type Variable } from './grafana.js';
import { CHECK_SELECTOR, CONTROL_MAPPINGS, bucketsPerInterval, successRatio } from './queries.js';

export const DASHBOARD_TAGS = ['otp-canary', 'synthetic', 'sms'] as const;

/** Data source, checks, locations (of the selected checks) and the window of rate and quantile queries. */
export function selectionVariables(): Variable[] {
  return [
    datasourceVariable(),
    labelVariable('check', 'Check', 'label_values(otp_canary_runs_total, check)'),
    labelVariable('location', 'Location', 'label_values(otp_canary_runs_total{check=~"$check"}, location)'),
    windowVariable(),
  ];
}

export function docLinks(): Record<string, unknown>[] {
  return [
    link('Runbook', RUNBOOK_URL, 'What each otp-canary alert means and what to do'),
    link('Alerts', ALERTS_DOC_URL, 'The alert rules, their thresholds and how to tune them'),
  ];
}

type Placement = Pick<PanelSpec, 'description' | 'w' | 'h'>;

/** Target-side success ratio per check and location over the whole time range, coloured against 95 % and 99 %. */
export function successRatioStat({ description, w, h }: Placement): PanelSpec {
  return {
    type: 'stat',
    title: 'Success ratio over the time range',
    description,
    unit: 'percentunit',
    w,
    h,
    min: 0,
    max: 1,
    thresholds: [{ value: null, color: 'red' }, { value: 0.95, color: 'orange' }, { value: 0.99, color: 'green' }],
    targets: [{ expr: successRatio('$__range'), legendFormat: BY_CHECK, instant: true, range: false }],
    options: STAT_OPTIONS,
  };
}

/** The last result of each anti-abuse control of the selected checks, coloured by status. */
export function controlsTable({ description, w, h }: Placement): PanelSpec {
  return {
    type: 'table',
    title: 'Anti-abuse controls',
    description,
    unit: 'none',
    w,
    h,
    mappings: CONTROL_MAPPINGS,
    custom: { cellOptions: { type: 'color-background' } },
    targets: [{ expr: `max by (check, control) (otp_canary_control_status{${CHECK_SELECTOR}})`, format: 'table', instant: true, range: false }],
    transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'status' } } }],
  };
}

/** Delivered SMS per latency bucket of otp_canary_delivery_seconds, per probe interval. */
export function deliveryHeatmap({ title, description, w, h }: Placement & Pick<PanelSpec, 'title'>): PanelSpec {
  return {
    type: 'heatmap',
    title,
    description,
    unit: 'short',
    w,
    h,
    interval: PROBE_INTERVAL,
    targets: [{ expr: bucketsPerInterval('otp_canary_delivery_seconds'), legendFormat: '{{le}}', format: 'heatmap' }],
    options: LATENCY_HEATMAP_OPTIONS,
  };
}
