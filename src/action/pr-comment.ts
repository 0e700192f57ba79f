// The pull request comment (input comment-on-pr): the verdict and the per-check table as ONE comment,
// which later runs of the same gate edit in place. A hidden marker on its first line names the gate
// (workflow, job, location, checks), so re-runs find it and two gates on one pull request keep theirs.
// It shows what the job summary shows, aggregates only: no code, credential or full number.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { getOctokit } from '@actions/github';
import type { Report } from '../core/report.js';
import { checksTable, overview, thresholdsTable, verdict, type SummaryContext } from './summary.js';

export interface PullRequest {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target'];

/** The comment's requests, together, may hold the step no longer than this: a comment is not worth a hung job. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The pull request the workflow runs for, read from the event payload (GITHUB_EVENT_PATH); undefined
 * on any other event. Throws, naming what is missing, when a pull request event lacks it.
 */
export async function pullRequestOf(env: NodeJS.ProcessEnv): Promise<PullRequest | undefined> {
  if (!PULL_REQUEST_EVENTS.includes(env['GITHUB_EVENT_NAME'] ?? '')) return undefined;
  const [owner, repo, ...rest] = (env['GITHUB_REPOSITORY'] ?? '').split('/');
  if (!owner || !repo || rest.length > 0) throw new Error(`GITHUB_REPOSITORY must be owner/repo, got "${env['GITHUB_REPOSITORY'] ?? ''}"`);
  const eventPath = env['GITHUB_EVENT_PATH'];
  if (eventPath === undefined || eventPath === '') throw new Error('GITHUB_EVENT_PATH is not set: the event payload names the pull request');
  const payload = await readEvent(eventPath);
  const number = payload.pull_request?.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw new Error(`the event payload at ${eventPath} has no pull_request.number`);
  return { owner, repo, number };
}

async function readEvent(path: string): Promise<{ pull_request?: { number?: unknown } }> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as { pull_request?: { number?: unknown } };
  } catch (error) {
    throw new Error(`the event payload at ${path} could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The hidden first line that identifies this gate's comment: a hash, as names may hold "--" or ">". */
export function commentMarker(report: Report, env: NodeJS.ProcessEnv): string {
  const gate = [env['GITHUB_WORKFLOW'] ?? '', env['GITHUB_JOB'] ?? '', report.location, ...report.checks.map((check) => check.name).sort()];
  return `<!-- otp-canary:${createHash('sha256').update(JSON.stringify(gate)).digest('hex').slice(0, 16)} -->`;
}

/** The comment's Markdown: marker, verdict, overview, the checks and thresholds tables, a link to the run. */
export function renderPrComment(report: Report, context: SummaryContext, marker: string, runUrl?: string): string {
  const sections = [
    `${marker}\n${verdict(report)}`,
    overview(report, context),
    checksTable(report),
    thresholdsTable(report),
    runUrl === undefined ? '' : `[The run](${runUrl}): job summary, annotations and reports. This comment is updated on every run of the gate.`,
  ];
  return `${sections.filter((section) => section !== '').join('\n\n')}\n`;
}

/** The workflow run's page, when the runner's variables name it. */
export function runUrlOf(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: attempt } = env;
  if (!server || !repository || !runId) return undefined;
  return `${server}/${repository}/actions/runs/${runId}${attempt ? `/attempts/${attempt}` : ''}`;
}

/**
 * Posts `body` on the pull request, or edits the comment that carries `marker` if one does. The API is
 * GITHUB_API_URL (GitHub Enterprise Server has its own); the requests are abandoned after 30 s.
 */
export async function upsertPrComment(
  pullRequest: PullRequest,
  marker: string,
  body: string,
  token: string,
  env: NodeJS.ProcessEnv,
): Promise<{ readonly action: 'created' | 'updated'; readonly url: string }> {
  const octokit = getOctokit(token, { baseUrl: apiUrlOf(env) });
  const request = { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  const { owner, repo, number } = pullRequest;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100, request });
  const existing = comments.find((comment) => comment.body?.startsWith(marker));
  if (existing !== undefined) {
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body, request });
    return { action: 'updated', url: data.html_url };
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body, request });
  return { action: 'created', url: data.html_url };
}

function apiUrlOf(env: NodeJS.ProcessEnv): string {
  return env['GITHUB_API_URL'] || 'https://api.github.com';
}

/** Why the comment was not posted, with what to change when the token lacks the permission. */
export function describeCommentError(error: unknown, env: NodeJS.ProcessEnv): string {
  // Octokit gives an unanswered request status 500 too: only a response means GitHub answered.
  const status = (error as { response?: { status?: unknown } } | null)?.response?.status;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 403 || status === 404) {
    return (
      `Pull request comment not posted: GitHub answered ${status} (${message}). The token needs permissions: pull-requests: write ` +
      '(a pull_request from a fork gets a read-only token; pull_request_target does not).'
    );
  }
  if (typeof status === 'number') return `Pull request comment not posted: GitHub answered ${status} (${message})`;
  return `Pull request comment not posted: ${message} (GitHub API ${apiUrlOf(env)})`;
}
