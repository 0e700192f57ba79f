// The pull request comment's pure parts: its body, the marker that finds it again, the pull request
// read from the event, and the warning a refusal becomes.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commentMarker, describeCommentError, pullRequestOf, renderPrComment, runUrlOf } from '../src/action/pr-comment.js';
import { evaluateGate } from '../src/core/gate.js';
import { buildReport, type Report } from '../src/core/report.js';
import { summarizeChecks } from '../src/core/summary.js';
import type { RunRecord } from '../src/core/types.js';
import { checkRuns, REAL_CODE, REAL_NUMBER } from './support/records.js';

function reportOf(checks: { name: string; runs: RunRecord[] }[], location = 'eu-west-1'): Report {
  return buildReport({
    checks,
    gate: evaluateGate(summarizeChecks(checks), { minSuccessRate: 0.9 }),
    startedAt: '2025-03-01T12:00:00.000Z',
    finishedAt: '2025-03-01T12:01:00.000Z',
    location,
    version: '0.1.0',
  });
}

const failing = reportOf([
  { name: 'signup-us', runs: checkRuns('signup-us', { successes: 7, failures: 3 }) },
  { name: 'login-web', runs: checkRuns('login-web', { successes: 10 }) },
]);
const env = { GITHUB_WORKFLOW: 'deploy', GITHUB_JOB: 'gate' };

describe('renderPrComment', () => {
  const body = renderPrComment(failing, { source: 'config .github/otp-canary.yml', samples: 10 }, '<!-- otp-canary:0123456789abcdef -->', 'https://github.com/acme/shop/actions/runs/42');

  it('opens with the marker, then the verdict and its reasons', () => {
    expect(body).toMatch(/^<!-- otp-canary:0123456789abcdef -->\n## ❌ OTP delivery gate failed\n\n- signup-us: success rate 0\.70 \(7\/10\) is below 0\.9\n/);
  });

  it('holds the per-check table and the thresholds, as the job summary renders them', () => {
    expect(body).toContain('| signup-us | 10 | 7 | 0 | `sms_not_received` 3 |');
    expect(body).toContain('| **all checks** | 20 | 17 |');
    expect(body).toMatch(/\| success rate \| ≥ 0\.9 \| signup-us 0\.7 ❌<br>login-web 1 ✅ \| ❌ missed \|/);
  });

  it('links the run for the rest, leaving out the chart', () => {
    expect(body).toContain('[The run](https://github.com/acme/shop/actions/runs/42)');
    expect(body).not.toContain('```mermaid');
  });

  it('holds no code and no full number', () => {
    expect(body).not.toContain(REAL_CODE);
    expect(body).not.toContain(REAL_NUMBER.slice(1));
  });
});

describe('commentMarker', () => {
  const marker = commentMarker(failing, env);

  it('is a hidden HTML comment that nothing in a name can close early', () => {
    expect(marker).toMatch(/^<!-- otp-canary:[0-9a-f]{16} -->$/);
  });

  it('is the same for the same gate, whatever order its checks ran in', () => {
    expect(commentMarker({ ...failing, checks: [...failing.checks].reverse() }, env)).toBe(marker);
  });

  it.each([
    ['another job', failing, { ...env, GITHUB_JOB: 'gate-eu' }],
    ['another workflow', failing, { ...env, GITHUB_WORKFLOW: 'nightly' }],
    ['other checks', reportOf([{ name: 'signup-us', runs: checkRuns('signup-us', { successes: 1 }) }]), env],
    ['another location', { ...failing, location: 'us-east-1' }, env],
  ])('differs for %s, so each gate keeps its own comment', (_case, report, environment) => {
    expect(commentMarker(report, environment)).not.toBe(marker);
  });
});

describe('pullRequestOf', () => {
  async function eventFile(payload: unknown): Promise<string> {
    const path = join(await mkdtemp(join(tmpdir(), 'otp-canary-event-')), 'event.json');
    await writeFile(path, JSON.stringify(payload));
    return path;
  }

  it.each(['pull_request', 'pull_request_target'])('reads the number from the %s payload and the repository from GITHUB_REPOSITORY', async (event) => {
    const path = await eventFile({ number: 7, pull_request: { number: 7 } });
    expect(await pullRequestOf({ GITHUB_EVENT_NAME: event, GITHUB_EVENT_PATH: path, GITHUB_REPOSITORY: 'acme/shop' })).toEqual({ owner: 'acme', repo: 'shop', number: 7 });
  });

  it.each(['push', 'workflow_dispatch', 'issue_comment'])('is undefined on a %s event', async (event) => {
    expect(await pullRequestOf({ GITHUB_EVENT_NAME: event, GITHUB_REPOSITORY: 'acme/shop' })).toBeUndefined();
  });

  it('names the field a pull request payload lacks', async () => {
    const path = await eventFile({ action: 'opened' });
    await expect(pullRequestOf({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path, GITHUB_REPOSITORY: 'acme/shop' })).rejects.toThrow(
      `the event payload at ${path} has no pull_request.number`,
    );
  });

  it('names the event file it cannot read', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'otp-canary-event-')), 'missing.json');
    await expect(pullRequestOf({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path, GITHUB_REPOSITORY: 'acme/shop' })).rejects.toThrow(
      `the event payload at ${path} could not be read: ENOENT`,
    );
  });

  it('refuses a GITHUB_REPOSITORY that is not owner/repo', async () => {
    await expect(pullRequestOf({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_REPOSITORY: 'shop' })).rejects.toThrow('GITHUB_REPOSITORY must be owner/repo, got "shop"');
  });
});

describe('runUrlOf', () => {
  it('names the run attempt when the runner does', () => {
    expect(runUrlOf({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2' })).toBe(
      'https://github.com/acme/shop/actions/runs/42/attempts/2',
    );
  });

  it('is undefined off a runner', () => {
    expect(runUrlOf({})).toBeUndefined();
  });
});

describe('describeCommentError', () => {
  it.each([403, 404])('tells a %s apart: the token lacks pull-requests: write', (status) => {
    const error = Object.assign(new Error('Resource not accessible by integration'), { status, response: { status } });
    expect(describeCommentError(error, {})).toBe(
      `Pull request comment not posted: GitHub answered ${status} (Resource not accessible by integration). The token needs permissions: pull-requests: write ` +
        '(a pull_request from a fork gets a read-only token; pull_request_target does not).',
    );
  });

  it('gives any other answer with its status', () => {
    expect(describeCommentError(Object.assign(new Error('Server Error'), { status: 502, response: { status: 502 } }), {})).toBe('Pull request comment not posted: GitHub answered 502 (Server Error)');
  });

  it('names the API it could not reach (Octokit says 500, but nothing answered)', () => {
    expect(describeCommentError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8443'), { status: 500 }), { GITHUB_API_URL: 'https://ghe.example.com/api/v3' })).toBe(
      'Pull request comment not posted: connect ECONNREFUSED 127.0.0.1:8443 (GitHub API https://ghe.example.com/api/v3)',
    );
  });
});
