// The instant-query client against a loopback server answering in Prometheus's own JSON shapes.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPrometheusClient, PrometheusQueryError, type PrometheusClient } from '../src/prometheus/client.js';
import { freePort } from './support/ports.js';
import { errorAnswer, startFakePrometheus, vectorAnswer, type FakeAnswer, type FakePrometheus } from './support/prometheus.js';

const AT = Date.parse('2025-03-01T12:00:00.250Z');
let fake: FakePrometheus | undefined;
let client: PrometheusClient | undefined;

afterEach(async () => {
  await client?.close();
  await fake?.close();
  client = fake = undefined;
});

async function serve(answer: (query: string) => FakeAnswer, prefix = '', options: { bearerToken?: string; timeoutMs?: number } = {}): Promise<PrometheusClient> {
  fake = await startFakePrometheus(answer, prefix);
  client = createPrometheusClient({ url: fake.url, ...options });
  return client;
}

describe('the Prometheus client', () => {
  it('posts the query and its evaluation instant as a form to <base>/api/v1/query, keeping a path prefix', async () => {
    const prometheus = await serve(() => vectorAnswer([{ labels: { check: 'signup', location: 'eu' }, value: '0.97' }]), '/prometheus');

    const { samples } = await prometheus.query('sum by (check, location) (up)', AT);

    expect(samples).toEqual([{ labels: { check: 'signup', location: 'eu' }, value: 0.97 }]);
    const [request] = fake!.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/prometheus/api/v1/query' });
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(request!.form)).toEqual({ query: 'sum by (check, location) (up)', time: '1740830400.250', timeout: '27s' });
  });

  it("reads Prometheus's special values NaN, +Inf and -Inf", async () => {
    const prometheus = await serve(() => vectorAnswer([{ labels: { a: '1' }, value: 'NaN' }, { labels: { a: '2' }, value: '+Inf' }, { labels: { a: '3' }, value: '-Inf' }]));

    const values = (await prometheus.query('x', AT)).samples.map((sample) => sample.value);

    expect(values).toEqual([NaN, Infinity, -Infinity]);
  });

  it('sends the bearer token as Authorization: Bearer, and none without one', async () => {
    const prometheus = await serve(() => vectorAnswer([]), '', { bearerToken: 'tok-3f9a' });
    await prometheus.query('up', AT);
    expect(fake!.requests[0]!.headers.authorization).toBe('Bearer tok-3f9a');

    await client!.close();
    client = createPrometheusClient({ url: fake!.url });
    await client.query('up', AT);
    expect(fake!.requests[1]!.headers.authorization).toBeUndefined();
  });

  it('passes on the warnings Prometheus attaches to an answer', async () => {
    const prometheus = await serve(() => ({ status: 200, body: { ...(vectorAnswer([]).body as object), warnings: ['partial result: store eu-1 down'] } }));

    expect((await prometheus.query('up', AT)).warnings).toEqual(['partial result: store eu-1 down']);
  });

  it("turns Prometheus's error envelope into an error naming the server, its reason and the query", async () => {
    const prometheus = await serve(() => errorAnswer(400, 'bad_data', '1:6: parse error: unexpected end of input'));

    const error = await prometheus.query('sum(', AT).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PrometheusQueryError);
    expect((error as Error).message).toBe(`Prometheus at ${fake!.url} refused the query (400: bad_data: 1:6: parse error: unexpected end of input); query: sum(`);
  });

  it('says so when a proxy answers with something that is not Prometheus JSON', async () => {
    const prometheus = await serve(() => ({ status: 502, body: '<html><body>Bad Gateway</body></html>', contentType: 'text/html' }));

    await expect(prometheus.query('up', AT)).rejects.toThrow(
      `Prometheus at ${fake!.url} answered 502 with a body that is not Prometheus's JSON (text/html: "<html><body>Bad Gateway</body></html>"); query: up`,
    );
  });

  it('refuses an answer that is not an instant vector', async () => {
    const prometheus = await serve(() => ({ status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } } }));

    await expect(prometheus.query('up[5m]', AT)).rejects.toThrow('answered a matrix, not the instant vector the query should give; query: up[5m]');
  });

  it('refuses a malformed sample, naming where it is', async () => {
    const prometheus = await serve(() => ({ status: 200, body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'lots'] }] } } }));

    await expect(prometheus.query('up', AT)).rejects.toThrow('answered a malformed sample at data.result[0]; query: up');
  });

  it('gives up on a server that does not answer within the timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    client = createPrometheusClient({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 300 });
    try {
      await expect(client.query('up', AT)).rejects.toThrow(/could not be queried: timed out after 300 ms; query: up$/);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('says the connection was refused when nothing listens', async () => {
    client = createPrometheusClient({ url: `http://127.0.0.1:${await freePort()}` });

    await expect(client.query('up', AT)).rejects.toThrow(/could not be queried: connection refused; query: up$/);
  });
});
