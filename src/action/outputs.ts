// The Action's outputs: their descriptions (action.yml is kept equal to OUTPUTS by a test) and their
// values, all taken from the report's pooled figures. Numbers are plain decimals; an absent figure
// (no run finished, no SMS arrived) is an empty string, as GitHub has no null output. In mode prometheus
// the report holds Prometheus's figures in the same shape, so the same outputs follow from it.

import { verdictOf, type Report } from '../core/report.js';

export const OUTPUTS = {
  passed: { description: '"true" when every threshold was met (or none was set) by a gate that ran to its end, "false" otherwise: a missed threshold, or runs cut short by a cancelled job.' },
  runs: { description: 'Finished runs over all checks (cancelled runs excluded). Mode prometheus: runs in the window that exercised the target, increase() rounded.' },
  'success-rate': { description: 'Successes (success + degraded) over the finished runs that exercised the target (failures of otp-canary itself, origin probe, left out), all checks pooled; empty when none did. Mode prometheus: 1 − target failures / target runs, as the SLO rules count.' },
  'success-rate-lower-bound': { description: 'Lower bound of the two-sided 95% Wilson interval of success-rate.' },
  'delivery-p50-seconds': { description: 'Nearest-rank median SMS delivery latency in seconds; empty when no SMS arrived. Mode prometheus: the histogram_quantile estimate.' },
  'delivery-p95-seconds': { description: 'Nearest-rank 95th percentile SMS delivery latency in seconds; empty when no SMS arrived. Mode prometheus: the histogram_quantile estimate.' },
  failures: { description: 'JSON object of failure reason → count, e.g. {"sms_not_received":2}; {} when none. Mode prometheus: the target\'s failures only.' },
  'report-path': { description: 'Absolute path of the JSON report written.' },
} as const satisfies Record<string, { readonly description: string }>;

export type OutputName = keyof typeof OUTPUTS;

export function actionOutputs(report: Report, reportPath: string): Record<OutputName, string> {
  const { overall } = report;
  return {
    passed: String(['passed', 'measured'].includes(verdictOf(report))),
    runs: String(overall.runs),
    'success-rate': figure(overall.successRate),
    'success-rate-lower-bound': overall.successRate === undefined ? '' : figure(overall.successRateInterval.lower),
    'delivery-p50-seconds': figure(overall.deliveryP50Seconds),
    'delivery-p95-seconds': figure(overall.deliveryP95Seconds),
    failures: JSON.stringify(overall.failuresByReason),
    'report-path': reportPath,
  };
}

/** Four decimals: enough for any threshold a workflow compares against, no float noise. */
function figure(value: number | undefined): string {
  return value === undefined ? '' : String(Number(value.toFixed(4)));
}
