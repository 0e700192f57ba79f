// What a release ships, as .github/workflows/release.yml makes it: a vX.Y.Z tag is tested and its dist/
// checked before anything is published, the Action's major tag moves, and the probe image is built for
// both architectures under the name the Kubernetes manifests deploy, at the version every file states.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VERSION } from '../src/version.js';

/** Parsed YAML, read field by field as the workflows are written. */
type Yaml = any;
const read = (path: string): Promise<string> => readFile(new URL(`../${path}`, import.meta.url), 'utf8');
const workflow = async (name: string): Promise<Yaml> => parse(await read(`.github/workflows/${name}`));
const stepUsing = (job: Yaml, action: string): Yaml => job.steps.find((step: Yaml) => step.uses?.startsWith(`${action}@`));

const IMAGE = 'ghcr.io/otp-canary/otp-canary-probe';

describe('the release workflow', () => {
  it('runs on vX.Y.Z tags, and by hand', async () => {
    const release = await workflow('release.yml');

    expect(release.on.push).toEqual({ tags: ['v[0-9]+.[0-9]+.[0-9]+'] });
    expect(release.on).toHaveProperty('workflow_dispatch');
  });

  it('runs the CI tests and the dist/ check on the tag, through the same workflows as pull requests', async () => {
    const release = await workflow('release.yml');

    expect(release.jobs.test.uses).toBe('./.github/workflows/ci.yml');
    expect(release.jobs.dist.uses).toBe('./.github/workflows/check-dist.yml');
    expect((await workflow('ci.yml')).on).toHaveProperty('workflow_call');
    expect((await workflow('check-dist.yml')).on).toHaveProperty('workflow_call');
  });

  it('publishes nothing until the tests and the dist/ check have passed', async () => {
    const { jobs } = await workflow('release.yml');

    for (const name of ['github-release', 'npm', 'image']) expect(jobs[name].needs, name).toEqual(expect.arrayContaining(['version', 'test', 'dist']));
  });

  it('creates the GitHub release and moves the major tag to it', async () => {
    const job = (await workflow('release.yml')).jobs['github-release'];
    const script = job.steps.map((step: Yaml) => step.run ?? '').join('\n');

    expect(job.permissions).toEqual({ contents: 'write' });
    expect(script).toContain('gh release create "$TAG" --verify-tag');
    expect(script).toContain('git push --force origin "refs/tags/$MAJOR_TAG"');
  });

  it('builds the probe image for linux/amd64 and linux/arm64 from probe/Dockerfile and pushes it under the version and the major', async () => {
    const job = (await workflow('release.yml')).jobs.image;
    const build = stepUsing(job, 'docker/build-push-action');

    expect(job.permissions).toMatchObject({ packages: 'write' });
    expect(build.with).toMatchObject({ context: '.', file: 'probe/Dockerfile', platforms: 'linux/amd64,linux/arm64', push: true });
    expect(build.with.tags.trim().split('\n')).toEqual([
      `${IMAGE}:\${{ needs.version.outputs.version }}`,
      `${IMAGE}:\${{ needs.version.outputs.major }}`,
    ]);
    expect(stepUsing(job, 'docker/setup-qemu-action')).toBeDefined();
    expect(stepUsing(job, 'docker/login-action').with.registry).toBe('ghcr.io');
  });
});

describe('the version a release names', () => {
  it('is the same in package.json, src/version.ts and the image the Kubernetes Deployment runs', async () => {
    const { version } = JSON.parse(await read('package.json')) as { version: string };
    const deployment = parse(await read('probe/deploy/kubernetes/deployment.yaml'));

    expect(VERSION).toBe(version);
    expect(deployment.spec.template.spec.containers[0].image).toBe(`${IMAGE}:${version}`);
  });

  it('heads each changelog section as the release workflow looks for its notes: Unreleased, or [X.Y.Z] - date', async () => {
    const headings = (await read('CHANGELOG.md')).split('\n').filter((line) => line.startsWith('## '));

    expect(headings[0]).toBe('## [Unreleased]');
    for (const heading of headings.slice(1)) expect(heading).toMatch(/^## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$/);
  });
});
