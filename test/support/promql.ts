// PromQL syntax checks for rule and dashboard expressions, with the parser Prometheus' own UI uses.
import { parser } from '@prometheus-io/lezer-promql';

export interface ParsedPromql {
  /** Offsets of the parse errors; empty when the expression is valid PromQL. */
  readonly errorOffsets: readonly number[];
  /** Metric names the expression selects, in order of appearance, without duplicates. */
  readonly metricNames: readonly string[];
}

export function parsePromql(expr: string): ParsedPromql {
  const errorOffsets: number[] = [];
  const metricNames = new Set<string>();
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errorOffsets.push(node.from);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        metricNames.add(expr.slice(node.from, node.to));
      }
    },
  });
  return { errorOffsets, metricNames: [...metricNames] };
}
