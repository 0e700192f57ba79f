// The Kubernetes manifests and the Dockerfile must agree with the code: the port, the paths the server
// serves, the labels that tie Service, Deployment and ServiceMonitor together, and a config the probe accepts.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { assertProbeConfig } from '../src/probe/probe-config.js';
import { DEFAULT_PROBE_PORT, PROBE_PATHS } from '../src/probe/server.js';
import { DEFAULT_GRACE } from '../src/cli/commands/probe.js';
import { parseDuration } from '../src/fields/units.js';

const DIR = new URL('../probe/deploy/kubernetes/', import.meta.url);
/** Parsed YAML, read field by field as the manifests are written. */
type Manifest = any;
const manifest = async (file: string): Promise<Manifest> => parse(await readFile(new URL(file, DIR), 'utf8'));

describe('probe/deploy/kubernetes', () => {
  it('exposes the default port under one port name in the Deployment and the Service', async () => {
    const deployment = await manifest('deployment.yaml');
    const service = await manifest('service.yaml');
    const container = deployment.spec.template.spec.containers[0];

    expect(container.ports).toEqual([{ name: 'metrics', containerPort: DEFAULT_PROBE_PORT, protocol: 'TCP' }]);
    expect(container.args).toEqual(expect.arrayContaining(['--port', String(DEFAULT_PROBE_PORT)]));
    expect(service.spec.ports).toEqual([{ name: 'metrics', port: DEFAULT_PROBE_PORT, targetPort: 'metrics', protocol: 'TCP' }]);
  });

  it('lists every probe pod, ready or not, under the headless Service that release gates hold numbers through', async () => {
    const deployment = await manifest('deployment.yaml');
    const replicas = await manifest('service-replicas.yaml');
    const kustomization = await manifest('kustomization.yaml');

    expect(replicas.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: deployment.spec.template.metadata.labels });
    expect(replicas.spec.ports).toEqual([{ name: 'metrics', port: DEFAULT_PROBE_PORT, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(kustomization.resources).toContain('service-replicas.yaml');
  });

  it('keeps the ServiceMonitor to the ordinary Service: each pod is scraped once, not once per Service', async () => {
    const monitor = await manifest('servicemonitor.yaml');
    const replicas = await manifest('service-replicas.yaml');

    expect(Object.entries(monitor.spec.selector.matchLabels).every(([key, value]) => replicas.metadata.labels[key] === value)).toBe(false);
  });

  it('probes liveness on /healthz and readiness on /readyz, the paths the server serves', async () => {
    const container = (await manifest('deployment.yaml')).spec.template.spec.containers[0];

    expect(container.livenessProbe.httpGet).toEqual({ path: PROBE_PATHS.healthz, port: 'metrics' });
    expect(container.readinessProbe.httpGet).toEqual({ path: PROBE_PATHS.readyz, port: 'metrics' });
  });

  it('ties the Service to the pods and the ServiceMonitor to the Service by their labels, scraping /metrics on the named port', async () => {
    const deployment = await manifest('deployment.yaml');
    const service = await manifest('service.yaml');
    const monitor = await manifest('servicemonitor.yaml');
    const podLabels = deployment.spec.template.metadata.labels;

    expect(deployment.spec.selector.matchLabels).toEqual(podLabels);
    expect(service.spec.selector).toEqual(podLabels);
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([key, value]) => service.metadata.labels[key] === value)).toBe(true);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: service.spec.ports[0].name, path: PROBE_PATHS.metrics })]);
  });

  it('gives in-flight runs longer than the grace period before Kubernetes kills the pod', async () => {
    const spec = (await manifest('deployment.yaml')).spec.template.spec;
    const args: string[] = spec.containers[0].args;
    const grace = args[args.indexOf('--grace') + 1] ?? DEFAULT_GRACE;

    expect(spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(parseDuration(grace)!);
  });

  it('runs as a non-root user with a read-only root filesystem', async () => {
    const spec = (await manifest('deployment.yaml')).spec.template.spec;

    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  it('ships a ConfigMap the probe accepts, with the secrets the example Secret provides', async () => {
    const configMap = await manifest('configmap.yaml');
    const secret = await manifest('secret.example.yaml');
    const config = parseConfig(configMap.data['otp-canary.yml'], { env: secret.stringData });

    expect(() => assertProbeConfig(config, 'configmap')).not.toThrow();
    expect(config.probe.port).toBe(DEFAULT_PROBE_PORT);
    expect(config.probe.audit?.path.startsWith('/var/lib/otp-canary/')).toBe(true);
    const mounts = (await manifest('deployment.yaml')).spec.template.spec.containers[0].volumeMounts;
    expect(mounts.map((mount: { mountPath: string }) => mount.mountPath)).toEqual(['/etc/otp-canary', '/var/lib/otp-canary']);
  });
});

describe('probe/Dockerfile', () => {
  it('builds the bundle in a builder stage on Node 24 and runs it as a non-root user on the default port', async () => {
    const dockerfile = await readFile(new URL('../probe/Dockerfile', import.meta.url), 'utf8');

    expect(dockerfile.match(/^FROM node:24\S*/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm ci .*$/m);
    expect(dockerfile).toMatch(/^RUN npm run build:probe$/m);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${DEFAULT_PROBE_PORT}$`, 'm'));
  });
});
