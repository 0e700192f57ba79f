// The Action: inputs → one gate run (mode run) or the probe's record read from Prometheus (mode
// prometheus) → report, JUnit, outputs, job summary, annotations, pull request comment → verdict. One
// catch at the top turns any error into a failed step with a one-line reason. Nothing started here outlives the work (runGate
// closes its servers, the Prometheus client its connections), so the process ends when the step does.
// A cancelled job (SIGINT, then SIGTERM) cuts the runs short: what ended is still published, marked
// incomplete, and the step fails.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as core from '@actions/core';
import { demoConfig } from '../config/demo.js';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/problems.js';
import type { Config } from '../config/schema.js';
import { configSecrets } from '../config/secrets.js';
import type { GateThresholds } from '../core/gate.js';
import { scrub } from '../core/mask.js';
import { verdictOf, type Report } from '../core/report.js';
import { formatSeconds } from '../core/seconds.js';
import type { RunRecord } from '../core/types.js';
import { GateOptionsError, runGate } from '../wiring/gate-run.js';
import { abortOnInterrupt } from '../process-interrupt.js';
import { checkWritable, OutputPathError } from '../report/output-path.js';
import { renderSummaryTable } from '../report/table.js';
import { ProbeHoldError } from '../probe-hold/client.js';
import { PrometheusQueryError } from '../prometheus/client.js';
import { VERSION } from '../version.js';
import { failureAnnotations } from './annotations.js';
import { holdProbeFor, InputError, readInputs, thresholdsFor, type ActionInputs, type PrometheusInputs } from './inputs.js';
import { renderJUnit } from './junit.js';
import { actionOutputs } from './outputs.js';
import { commentMarker, describeCommentError, pullRequestOf, renderPrComment, runUrlOf, upsertPrComment } from './pr-comment.js';
import { runPrometheusGate } from './prometheus-gate.js';
import { SecretMasker } from './secrets.js';
import { renderJobSummary, verdictLine, type SummaryContext } from './summary.js';

export async function run(): Promise<void> {
  const masker = new SecretMasker((value) => core.setSecret(value));
  try {
    // Masked before anything else is read, whatever the mode.
    masker.addCredential(core.getInput('bearer-token').trim());
    masker.addCredential(core.getInput('hold-probe-token').trim());
    masker.addCredential(core.getInput('github-token').trim());
    const inputs = readInputs((name) => core.getInput(name));
    await checkOutputPaths(inputs);
    if (inputs.prometheus !== undefined) await gateOnPrometheus(inputs, inputs.prometheus, masker);
    else await gateOnRuns(inputs, masker);
  } catch (error) {
    core.setFailed(masker.scrub(describeError(error)));
  }
}

/** Before any SMS is sent or Prometheus asked: a result that could not be written would be lost. */
async function checkOutputPaths(inputs: ActionInputs): Promise<void> {
  await checkWritable('report-path', inputs.reportPath, { createsDirectories: true });
  // Mode prometheus does not write it (publish says so).
  if (inputs.junitPath !== undefined && inputs.prometheus === undefined) await checkWritable('junit-path', inputs.junitPath, { createsDirectories: true });
}

async function gateOnRuns(inputs: ActionInputs, masker: SecretMasker): Promise<void> {
  const { config, source } = await loadSource(inputs, masker);
  const thresholds = thresholdsFor(inputs, config.gate);
  warnWithoutThresholds(thresholds);
  const holdProbe = holdProbeFor(inputs, config.gate);

  core.info(`otp-canary ${VERSION}: ${source}; ${describePlan(inputs)}`);
  const counts = new Map<string, number>();
  const report = await core.group('Runs', () =>
    runGate(config, {
      samples: inputs.samples,
      concurrency: inputs.concurrency,
      thresholds,
      sequential: inputs.sequential,
      signal: abortOnInterrupt(),
      ...(inputs.checks && { only: inputs.checks }),
      ...(holdProbe && { holdProbe: { ...holdProbe, holder: workflowRun(process.env) } }),
      onCode: (code) => masker.addCode(code),
      onRun: (record) => core.info(runLine(record, counts)),
    }),
  );
  await publish(masker.scrub(report), inputs, { source, samples: inputs.samples }, masker);
}

async function gateOnPrometheus(inputs: ActionInputs, prometheus: PrometheusInputs, masker: SecretMasker): Promise<void> {
  // Without a config there is no gate block: the demo's thresholds mean nothing for a real probe.
  const gate = inputs.configPath === undefined ? { failOnDegraded: false } : (await loadSource(inputs, masker)).config.gate;
  const thresholds = thresholdsFor(inputs, gate);
  if (thresholds.minSuccessRate === undefined && thresholds.maxP95DeliverySeconds === undefined && thresholds.failOnDegraded !== true) {
    core.warning(`No threshold is set (min-success-rate, max-p95-delivery-seconds, fail-on-degraded or the config's gate block): only min-runs (${prometheus.minRuns}) is judged.`);
  }
  if (inputs.junitPath !== undefined) core.warning('junit-path is not written in mode prometheus: Prometheus keeps no run records to list.');

  const source = `Prometheus ${prometheus.url}`;
  const checks = inputs.checks === undefined ? 'every check' : inputs.checks.join(', ');
  core.info(`otp-canary ${VERSION}: ${source}; ${checks} over the last ${prometheus.window}, at least ${prometheus.minRuns} runs each`);
  const { report, summary } = await runPrometheusGate({
    prometheus,
    ...(inputs.checks && { checks: inputs.checks }),
    thresholds,
    onWarning: (warning) => core.warning(`Prometheus: ${warning}`),
  });
  await publish(masker.scrub(report), inputs, { source, prometheus: summary }, masker);
}

async function loadSource(inputs: ActionInputs, masker: SecretMasker): Promise<{ config: Config; source: string }> {
  if (inputs.configPath === undefined) return { config: demoConfig(), source: 'the demo checks against the embedded sandbox' };
  const config = await loadConfig(inputs.configPath, process.env);
  const text = await readFile(inputs.configPath, 'utf8');
  for (const secret of configSecrets(config, { text, env: process.env })) masker.addCredential(secret);
  return { config, source: `config ${inputs.configPath}` };
}

function warnWithoutThresholds(thresholds: GateThresholds): void {
  if (thresholds.minSuccessRate === undefined && thresholds.maxP95DeliverySeconds === undefined && thresholds.failOnDegraded !== true) {
    core.warning('No threshold is set (min-success-rate, max-p95-delivery-seconds, fail-on-degraded or the config\'s gate block): this step measures and cannot fail.');
  }
}

async function publish(report: Report, inputs: ActionInputs, context: SummaryContext, masker: SecretMasker): Promise<void> {
  core.info(renderSummaryTable(report));

  const reportPath = await writeAt(inputs.reportPath, `${JSON.stringify(report, null, 2)}\n`);
  core.info(`JSON report written to ${reportPath}`);
  if (inputs.junitPath !== undefined && context.prometheus === undefined) core.info(`JUnit report written to ${await writeAt(inputs.junitPath, renderJUnit(report))}`);

  for (const [name, value] of Object.entries(actionOutputs(report, reportPath))) core.setOutput(name, value);

  if (process.env['GITHUB_STEP_SUMMARY']) {
    await core.summary.addRaw(renderJobSummary(report, context), true).write();
  } else {
    core.info('GITHUB_STEP_SUMMARY is not set (not on a runner): no job summary written');
  }

  for (const annotation of failureAnnotations(report)) {
    core[annotation.level](annotation.message, { title: annotation.title });
  }

  if (inputs.prComment !== undefined) await commentOnPullRequest(report, context, inputs.prComment.token, masker);

  const verdict = verdictOf(report);
  if (verdict === 'failed' || verdict === 'incomplete') core.setFailed(verdictLine(report));
  else core.info(verdictLine(report));
}

/** Never fails the step: a comment the token may not post is a warning, and the verdict stands. */
async function commentOnPullRequest(report: Report, context: SummaryContext, token: string, masker: SecretMasker): Promise<void> {
  try {
    const pullRequest = await pullRequestOf(process.env);
    if (pullRequest === undefined) {
      core.debug(`comment-on-pr: the event is ${process.env['GITHUB_EVENT_NAME'] ?? 'unknown'}, not a pull request: no comment`);
      return;
    }
    const marker = commentMarker(report, process.env);
    const body = renderPrComment(report, context, marker, runUrlOf(process.env));
    const { action, url } = await upsertPrComment(pullRequest, marker, body, token, process.env);
    core.info(`Pull request comment ${action}: ${url}`);
  } catch (error) {
    core.warning(masker.scrub(describeCommentError(error, process.env)));
  }
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

/** Names the job in the probe's logs: `owner/repo run 123 (attempt 1)`. */
function workflowRun(env: NodeJS.ProcessEnv): string {
  const repository = env['GITHUB_REPOSITORY'] ?? 'a repository';
  return `GitHub Actions: ${repository} run ${env['GITHUB_RUN_ID'] ?? '?'} (attempt ${env['GITHUB_RUN_ATTEMPT'] ?? '?'})`;
}

function runLine(record: RunRecord, counts: Map<string, number>): string {
  const ordinal = (counts.get(record.check) ?? 0) + 1;
  counts.set(record.check, ordinal);
  const delivery = record.deliverySeconds === undefined ? '' : `, SMS in ${formatSeconds(record.deliverySeconds)}`;
  const reason = record.reason === undefined ? '' : ` ${record.reason}`;
  return `${record.check} #${ordinal}: ${record.outcome}${reason}${delivery}`;
}

/** The errors that say what the user should fix: bad inputs, config or gate options, an unreachable Prometheus or probe. */
const USERS_TO_FIX = [InputError, OutputPathError, ConfigError, GateOptionsError, PrometheusQueryError, ProbeHoldError];

/**
 * Input and config errors are the user's to fix and say so themselves; anything else is a bug, named as
 * such, its stack in the debug log (printed when the runner's debug logging is on). Both scrubbed: the
 * runner masks only what setSecret was given, and an error may quote a number or a URL's key.
 */
export function describeError(error: unknown): string {
  if (USERS_TO_FIX.some((userError) => error instanceof userError)) return (error as Error).message;
  if (error instanceof Error) {
    core.debug(scrub(error.stack ?? error.message));
    return scrub(`otp-canary failed: ${error.name}: ${error.message}`);
  }
  return scrub(`otp-canary failed: ${String(error)}`);
}
