// otp-canary check drill-down: where the time goes in a journey, how delivery is distributed, why runs
// failed and what the last runs did, for the selected checks.
import { BY_CHECK, PROBE_INTERVAL, STACKED_BARS, STAT_OPTIONS, dashboard, dashboardLink, type Dashboard } from './grafana.js';
import { CHECK_UID, OVERVIEW_UID } from './overview.js';
import { CHECK_SELECTOR, SELECTOR, bucketsPerInterval, countPerInterval, quantile } from './queries.js';
import { DASHBOARD_TAGS, controlsTable, deliveryHeatmap, docLinks, selectionVariables, successRatioStat } from './shared.js';

/** The delivery bucket boundary the default OtpCanaryDeliverySlow threshold sits on. */
const DELIVERY_TARGET_SECONDS = 30;

export function checkDashboard(): Dashboard {
  return dashboard({
    uid: CHECK_UID,
    title: 'otp-canary check drill-down',
    description: 'One OTP journey in detail: stage durations, delivery distribution, failures by reason and origin, last runs and controls.',
    tags: DASHBOARD_TAGS,
    variables: selectionVariables(),
    links: [dashboardLink('Overview', OVERVIEW_UID, 'All checks at a glance'), ...docLinks()],
    sections: [
      {
        title: 'Outcome',
        panels: [
          successRatioStat({ description: 'Target-side success ratio; failures of the probe itself are left out, as in the SLO.', w: 6, h: 7 }),
          {
            type: 'stat',
            title: `Deliveries within ${DELIVERY_TARGET_SECONDS} s`,
            description: `Share of SMS delivered within ${DELIVERY_TARGET_SECONDS} seconds over the time range (exact: ${DELIVERY_TARGET_SECONDS} s is a bucket boundary of otp_canary_delivery_seconds).`,
            unit: 'percentunit',
            w: 6,
            h: 7,
            min: 0,
            max: 1,
            thresholds: [{ value: null, color: 'red' }, { value: 0.9, color: 'orange' }, { value: 0.95, color: 'green' }],
            targets: [
              {
                expr: `sum by (check, location) (increase(otp_canary_delivery_seconds_bucket{${SELECTOR}, le="${DELIVERY_TARGET_SECONDS}"}[$__range])) / sum by (check, location) (increase(otp_canary_delivery_seconds_count{${SELECTOR}}[$__range]))`,
                legendFormat: BY_CHECK,
                instant: true,
                range: false,
              },
            ],
            options: STAT_OPTIONS,
          },
          {
            type: 'table',
            title: 'Last runs',
            description: 'When each check last ran and last succeeded, and whether the last run succeeded. The probe\'s status page and /api/runs list the runs themselves, with reasons and timings.',
            unit: 'dateTimeAsIso',
            overrides: [
              {
                matcher: { id: 'byName', options: 'last result' },
                properties: [
                  { id: 'unit', value: 'none' },
                  { id: 'mappings', value: [{ type: 'value', options: { '1': { text: 'success', color: 'green', index: 0 }, '0': { text: 'failure', color: 'red', index: 1 } } }] },
                  { id: 'custom.cellOptions', value: { type: 'color-background' } },
                ],
              },
            ],
            w: 12,
            h: 7,
            targets: [
              { expr: `max by (check, location) (otp_canary_last_run_timestamp_seconds{${SELECTOR}}) * 1000`, format: 'table', instant: true, range: false },
              { expr: `max by (check, location) (otp_canary_last_success_timestamp_seconds{${SELECTOR}}) * 1000`, format: 'table', instant: true, range: false },
              { expr: `max by (check, location) (otp_canary_success{${SELECTOR}})`, format: 'table', instant: true, range: false },
            ],
            transformations: [
              { id: 'merge', options: {} },
              { id: 'organize', options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'last run', 'Value #B': 'last success', 'Value #C': 'last result' } } },
            ],
            options: { showHeader: true },
          },
        ],
      },
      {
        title: 'Where the time goes',
        panels: [
          {
            type: 'timeseries',
            title: 'HTTP step durations p50 / p95',
            description: 'The trigger (send) and verify (code submission) requests, from otp_canary_step_duration_seconds.',
            unit: 's',
            w: 12,
            h: 8,
            min: 0,
            targets: [0.5, 0.95].map((q) => ({
              expr: quantile(q, 'otp_canary_step_duration_seconds', 'check, location, step', '$window'),
              legendFormat: `{{step}} p${Math.round(q * 100)} ${BY_CHECK}`,
            })),
          },
          {
            type: 'timeseries',
            title: 'Delivery and whole journey p50 / p95',
            description: 'SMS delivery (send accepted to SMS in the inbox) against the whole journey (trigger to verify answer).',
            unit: 's',
            w: 12,
            h: 8,
            min: 0,
            targets: [
              { expr: quantile(0.5, 'otp_canary_delivery_seconds', 'check, location', '$window'), legendFormat: `delivery p50 ${BY_CHECK}` },
              { expr: quantile(0.95, 'otp_canary_delivery_seconds', 'check, location', '$window'), legendFormat: `delivery p95 ${BY_CHECK}` },
              { expr: quantile(0.5, 'otp_canary_duration_seconds', 'check, location', '$window'), legendFormat: `journey p50 ${BY_CHECK}` },
              { expr: quantile(0.95, 'otp_canary_duration_seconds', 'check, location', '$window'), legendFormat: `journey p95 ${BY_CHECK}` },
            ],
          },
          {
            type: 'bargauge',
            title: 'Delivery distribution over the time range',
            description: 'Delivered SMS per latency bucket (upper bound in seconds) over the whole time range.',
            unit: 'short',
            w: 12,
            h: 8,
            targets: [{ expr: bucketsPerInterval('otp_canary_delivery_seconds', '$__range'), legendFormat: '{{le}}', format: 'heatmap', instant: true, range: false }],
            options: { orientation: 'vertical', displayMode: 'basic', showUnfilled: false, reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } },
          },
          deliveryHeatmap({ title: 'Delivery latency over time', description: 'Delivered SMS per latency bucket of otp_canary_delivery_seconds.', w: 12, h: 8 }),
        ],
      },
      {
        title: 'Failures',
        panels: [
          {
            type: 'timeseries',
            title: 'Failures by stage and reason',
            description: 'Failed runs per stage and reason. The runbook\'s failure reasons table says what each reason means and whose it is.',
            unit: 'short',
            w: 14,
            h: 9,
            interval: PROBE_INTERVAL,
            custom: STACKED_BARS,
            targets: [{ expr: `${countPerInterval('otp_canary_failures_total', 'stage, reason')} > 0`, legendFormat: '{{stage}} / {{reason}}' }],
          },
          {
            type: 'table',
            title: 'Failures by reason and origin over the time range',
            description: 'origin "target": the system under test failed and the SLO counts it; origin "probe": otp-canary or its inbox provider failed and the SLO leaves it out.',
            unit: 'short',
            w: 10,
            h: 9,
            targets: [{ expr: `sum by (origin, stage, reason) (increase(otp_canary_failures_total{${SELECTOR}}[$__range])) > 0`, format: 'table', instant: true, range: false }],
            transformations: [
              { id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'failures' } } },
              { id: 'sortBy', options: { sort: [{ field: 'failures', desc: true }] } },
            ],
          },
          {
            type: 'timeseries',
            title: 'Runs, degraded runs and skipped runs',
            description: 'Runs finished, runs slower than degradedAfter, and scheduled runs skipped (overlap, number_busy, held by a release gate).',
            unit: 'short',
            w: 14,
            h: 8,
            interval: PROBE_INTERVAL,
            targets: [
              { expr: countPerInterval('otp_canary_runs_total', 'check, location'), legendFormat: `runs ${BY_CHECK}` },
              { expr: countPerInterval('otp_canary_degraded_total', 'check, location'), legendFormat: `degraded ${BY_CHECK}` },
              { expr: countPerInterval('otp_canary_skipped_runs_total', 'check, reason', CHECK_SELECTOR), legendFormat: 'skipped {{check}} ({{reason}})' },
            ],
          },
          controlsTable({ description: 'Last result of each anti-abuse control of the selected checks.', w: 10, h: 8 }),
        ],
      },
    ],
  });
}
