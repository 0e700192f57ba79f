// The Action: inputs → one gate run → report, JUnit, outputs, job summary, annotations → verdict.
// One catch at the top turns any error into a failed step with a one-line reason. Nothing started
// here outlives the work (runGate closes its servers), so the process ends when the step does.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as core from '@actions/core';
import { demoConfig } from '../config/demo.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { configSecrets } from '../config/secrets.js';
import type { GateThresholds } from '../core/gate.js';
import type { Report } from '../core/report.js';
import type { RunRecord } from '../core/types.js';
import { runGate } from '../gate-run.js';
import { renderSummaryTable } from '../report/table.js';
import { VERSION } from '../version.js';
import { failureAnnotations } from './annotations.js';
import { InputError, readInputs, thresholdsFor, type ActionInputs } from './inputs.js';
import { renderJUnit } from './junit.js';
import { actionOutputs } from './outputs.js';
import { SecretMasker } from './secrets.js';
import { renderJobSummary, verdictLine } from './summary.js';

export async function run(): Promise<void> {
  const masker = new SecretMasker((value) => core.setSecret(value));
  try {
    const inputs = readInputs((name) => core.getInput(name));
    const { config, source } = await loadSource(inputs, masker);
    const thresholds = thresholdsFor(inputs, config.gate);
    requireUsableThresholds(inputs, thresholds);

    core.info(`otp-canary ${VERSION}: ${source}; ${describePlan(inputs)}`);
    const counts = new Map<string, number>();
    const report = await core.group('Runs', () =>
      runGate(config, {
        samples: inputs.samples,
        concurrency: inputs.concurrency,
        thresholds,
        sequential: inputs.sequential,
        ...(inputs.checks && { only: inputs.checks }),
        onCode: (code) => masker.addCode(code),
        onRun: (record) => core.info(runLine(record, counts)),
      }),
    );
    await publish(masker.scrub(report), inputs, source);
  } catch (error) {
    core.setFailed(masker.scrub(describeError(error)));
  }
}

async function loadSource(inputs: ActionInputs, masker: SecretMasker): Promise<{ config: Config; source: string }> {
  if (inputs.configPath === undefined) return { config: demoConfig(), source: 'the demo checks against the embedded sandbox' };
  const config = await loadConfig(inputs.configPath, process.env);
  const text = await readFile(inputs.configPath, 'utf8');
  for (const secret of configSecrets(config, { text, env: process.env })) masker.addCredential(secret);
  return { config, source: `config ${inputs.configPath}` };
}

function requireUsableThresholds(inputs: ActionInputs, thresholds: GateThresholds): void {
  if (inputs.sequential && thresholds.minSuccessRate === undefined) {
    throw new InputError('sequential: true needs min-success-rate (or gate.minSuccessRate in the config) to test against');
  }
  if (inputs.sequential && thresholds.minSuccessRate === 1) {
    throw new InputError('sequential: true needs min-success-rate below 1: no number of runs can show a rate of 1');
  }
  if (thresholds.minSuccessRate === undefined && thresholds.maxP95DeliverySeconds === undefined && thresholds.failOnDegraded !== true) {
    core.warning('No threshold is set (min-success-rate, max-p95-delivery-seconds, fail-on-degraded or the config\'s gate block): this step measures and cannot fail.');
  }
}

async function publish(report: Report, inputs: ActionInputs, source: string): Promise<void> {
  core.info(renderSummaryTable(report));

  const reportPath = await writeAt(inputs.reportPath, `${JSON.stringify(report, null, 2)}\n`);
  core.info(`JSON report written to ${reportPath}`);
  if (inputs.junitPath !== undefined) core.info(`JUnit report written to ${await writeAt(inputs.junitPath, renderJUnit(report))}`);

  for (const [name, value] of Object.entries(actionOutputs(report, reportPath))) core.setOutput(name, value);

  if (process.env['GITHUB_STEP_SUMMARY']) {
    await core.summary.addRaw(renderJobSummary(report, { source, samples: inputs.samples }), true).write();
  } else {
    core.info('GITHUB_STEP_SUMMARY is not set (not on a runner): no job summary written');
  }

  for (const annotation of failureAnnotations(report)) {
    core[annotation.level](annotation.message, { title: annotation.title });
  }

  if (report.gate?.passed === false) core.setFailed(verdictLine(report));
  else core.info(verdictLine(report));
}

async function writeAt(path: string, content: string): Promise<string> {
  const absolute = resolve(path);
  await mkdir(dirname(absolute), { recursive: true });
  await writeFile(absolute, content);
  return absolute;
}

function describePlan(inputs: ActionInputs): string {
  const perCheck = inputs.sequential ? `up to ${inputs.samples} runs per check, stopping once the sequential test decides` : `${inputs.samples} runs per check`;
  return `${perCheck}, ${inputs.concurrency} at a time`;
}

function runLine(record: RunRecord, counts: Map<string, number>): string {
  const ordinal = (counts.get(record.check) ?? 0) + 1;
  counts.set(record.check, ordinal);
  const delivery = record.deliverySeconds === undefined ? '' : `, SMS in ${record.deliverySeconds.toFixed(2)} s`;
  const reason = record.reason === undefined ? '' : ` ${record.reason}`;
  return `${record.check} #${ordinal}: ${record.outcome}${reason}${delivery}`;
}

/** Input and config errors are the user's to fix and say so themselves; anything else is a bug, named as such. */
function describeError(error: unknown): string {
  if (error instanceof Error && (error.name === 'InputError' || error.name === 'ConfigError')) return error.message;
  if (error instanceof Error) {
    core.debug(error.stack ?? error.message);
    return `otp-canary failed: ${error.name}: ${error.message}`;
  }
  return `otp-canary failed: ${String(error)}`;
}
