// Mode prometheus: instead of sending OTPs, read what the probe recorded over the window from
// Prometheus (src/prometheus), judge it on the same thresholds, and hand back a report in the shape
// the Action publishes for its own runs. Every query is evaluated at one instant, so the figures agree.

import type { GateThresholds } from '../core/gate.js';
import type { Report } from '../core/report.js';
import { createPrometheusClient } from '../prometheus/client.js';
import { sloQueries, type SloQueryName } from '../prometheus/queries.js';
import { evaluateSloGate, sloFigures, sloReport, type VectorSample } from '../prometheus/slo.js';
import { VERSION } from '../version.js';
import type { PrometheusInputs } from './inputs.js';
import type { PrometheusSummaryContext } from './summary.js';

export interface PrometheusGateOptions {
  readonly prometheus: PrometheusInputs;
  /** Absent: every check Prometheus has series for. */
  readonly checks?: readonly string[];
  readonly thresholds: GateThresholds;
  /** Prometheus's warnings about an answer (a partial result, say). */
  readonly onWarning?: (warning: string) => void;
}

export interface PrometheusGateResult {
  readonly report: Report;
  readonly summary: PrometheusSummaryContext;
}

export async function runPrometheusGate(options: PrometheusGateOptions): Promise<PrometheusGateResult> {
  const { prometheus, checks = [], thresholds } = options;
  const queries = sloQueries({ window: prometheus.window, checks });
  const client = createPrometheusClient({ url: prometheus.url, ...(prometheus.bearerToken !== undefined && { bearerToken: prometheus.bearerToken }) });
  const evaluatedAtMs = Date.now();
  try {
    const names = Object.keys(queries) as SloQueryName[];
    const answers = await Promise.all(names.map((name) => client.query(queries[name], evaluatedAtMs)));
    const vectors = {} as Record<SloQueryName, VectorSample[]>;
    names.forEach((name, index) => {
      const { samples, warnings } = answers[index]!;
      for (const warning of warnings) options.onWarning?.(warning);
      vectors[name] = samples;
    });
    const figures = sloFigures(vectors, checks);
    const gate = evaluateSloGate(figures, thresholds, { window: prometheus.window, minRuns: prometheus.minRuns });
    return {
      report: sloReport({ figures, gate, evaluatedAtMs, windowMs: prometheus.windowMs, version: VERSION }),
      summary: { window: prometheus.window, deliveryBuckets: figures.deliveryBuckets },
    };
  } finally {
    await client.close();
  }
}
