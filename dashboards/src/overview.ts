// otp-canary overview: is every OTP journey working, how fast do the codes arrive, what fails, and is
// the probe itself healthy.
import { BY_CHECK, PROBE_INTERVAL, STACKED_BARS, STAT_OPTIONS, dashboard, dashboardLink, type Dashboard } from './grafana.js';
import { CHECK_SELECTOR, PROBE_UP, SELECTOR, countPerInterval, quantile, successRatio } from './queries.js';
import { DASHBOARD_TAGS, controlsTable, deliveryHeatmap, docLinks, selectionVariables, successRatioStat } from './shared.js';

export const OVERVIEW_UID = 'otp-canary-overview';
export const CHECK_UID = 'otp-canary-check';

export function overviewDashboard(): Dashboard {
  return dashboard({
    uid: OVERVIEW_UID,
    title: 'otp-canary overview',
    description: 'Synthetic SMS one-time-passcode checks: success, delivery latency, failure reasons, anti-abuse controls and probe health.',
    tags: DASHBOARD_TAGS,
    variables: selectionVariables(),
    links: [dashboardLink('Check drill-down', CHECK_UID, 'Stages, delivery distribution, failures and last runs of the selected checks'), ...docLinks()],
    sections: [
      {
        title: 'Service level',
        panels: [
          successRatioStat({
            description: 'Runs that succeeded on the target\'s side, per check and location. Failures of the probe itself (inbox_error, internal_error, number_contention) are left out, as in the SLO.',
            w: 8,
            h: 8,
          }),
          {
            type: 'timeseries',
            title: 'Success ratio',
            description: 'Target-side success ratio over the selected window, per check and location.',
            unit: 'percentunit',
            w: 16,
            h: 8,
            min: 0,
            max: 1,
            targets: [{ expr: successRatio('$window'), legendFormat: BY_CHECK }],
          },
          {
            type: 'timeseries',
            title: 'Error budget burn rate (1h)',
            description: 'How fast each check spends its error budget over the last hour, from the recording rules in probe/rules: 1 spends it exactly in 30 days; 14.4 pages (with the 5-minute window), 6 pages over 6 hours. Empty when the rules are not loaded.',
            unit: 'suffix:×',
            w: 24,
            h: 7,
            min: 0,
            thresholds: [{ value: null, color: 'green' }, { value: 6, color: 'orange' }, { value: 14.4, color: 'red' }],
            custom: { thresholdsStyle: { mode: 'line' } },
            targets: [
              {
                expr: `check_location:otp_canary_sli_error:ratio_increase1h{${SELECTOR}} / on (check) group_left () (1 - check:otp_canary_slo_objective:ratio)`,
                legendFormat: BY_CHECK,
              },
            ],
          },
        ],
      },
      {
        title: 'SMS delivery',
        panels: [
          {
            type: 'timeseries',
            title: 'Delivery latency p50 / p95 / p99',
            description: 'Seconds from the send being accepted to the SMS reaching the inbox, over the selected window.',
            unit: 's',
            w: 12,
            h: 9,
            min: 0,
            targets: [0.5, 0.95, 0.99].map((q) => ({
              expr: quantile(q, 'otp_canary_delivery_seconds', 'check, location', '$window'),
              legendFormat: `p${Math.round(q * 100)} ${BY_CHECK}`,
            })),
          },
          deliveryHeatmap({
            title: 'Delivery latency distribution',
            description: 'Delivered SMS per latency bucket of otp_canary_delivery_seconds, all selected checks together.',
            w: 12,
            h: 9,
          }),
        ],
      },
      {
        title: 'Failures',
        panels: [
          {
            type: 'timeseries',
            title: 'Failures by reason',
            description: 'Failed runs per reason; origin "probe" marks otp-canary\'s own failures. The runbook\'s failure reasons table says what each reason means.',
            unit: 'short',
            w: 12,
            h: 9,
            interval: PROBE_INTERVAL,
            custom: STACKED_BARS,
            targets: [{ expr: `${countPerInterval('otp_canary_failures_total', 'reason, origin')} > 0`, legendFormat: '{{reason}} ({{origin}})' }],
          },
          {
            type: 'timeseries',
            title: 'Degraded runs',
            description: 'Runs that succeeded but took longer than the check\'s degradedAfter.',
            unit: 'short',
            w: 6,
            h: 9,
            interval: PROBE_INTERVAL,
            custom: STACKED_BARS,
            targets: [{ expr: countPerInterval('otp_canary_degraded_total', 'check, location'), legendFormat: BY_CHECK }],
          },
          {
            type: 'stat',
            title: 'Time since last success',
            description: 'Age of the last successful run per check and location; OtpCanaryNoRecentSuccess fires after an hour by default.',
            unit: 's',
            w: 6,
            h: 9,
            thresholds: [{ value: null, color: 'green' }, { value: 1800, color: 'orange' }, { value: 3600, color: 'red' }],
            targets: [{ expr: `time() - max by (check, location) (otp_canary_last_success_timestamp_seconds{${SELECTOR}})`, legendFormat: BY_CHECK, instant: true, range: false }],
            options: STAT_OPTIONS,
          },
        ],
      },
      {
        title: 'Anti-abuse controls',
        panels: [
          controlsTable({
            description: 'Last result of every anti-abuse control per check: a violated control means the OTP service accepted what it must refuse.',
            w: 24,
            h: 8,
          }),
        ],
      },
      {
        title: 'Probe health',
        panels: [
          {
            type: 'stat',
            title: 'Probe targets up',
            description: 'Whether Prometheus can scrape each otp-canary probe (jobs named after otp-canary, or targets that exposed otp_canary_info in the last day).',
            unit: 'none',
            w: 8,
            h: 7,
            mappings: [{ type: 'value', options: { '1': { text: 'up', color: 'green', index: 0 }, '0': { text: 'down', color: 'red', index: 1 } } }],
            targets: [{ expr: PROBE_UP, legendFormat: '{{instance}}', instant: true, range: false }],
            options: STAT_OPTIONS,
          },
          {
            type: 'timeseries',
            title: 'Skipped runs',
            description: 'Scheduled runs not started: overlap (the previous run was still going), number_busy (another run held the test number) or held (a release gate held it).',
            unit: 'short',
            w: 8,
            h: 7,
            interval: PROBE_INTERVAL,
            custom: STACKED_BARS,
            targets: [{ expr: countPerInterval('otp_canary_skipped_runs_total', 'check, reason', CHECK_SELECTOR), legendFormat: '{{check}} ({{reason}})' }],
          },
          {
            type: 'table',
            title: 'Probe versions',
            description: 'The otp-canary version each probe runs.',
            unit: 'none',
            w: 8,
            h: 7,
            targets: [{ expr: 'max by (instance, version) (otp_canary_info)', format: 'table', instant: true, range: false }],
            transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true } } }],
          },
        ],
      },
    ],
  });
}
