// HTTP delivery of JSON CDRs from the SQLite queue, against a real HTTP server on 127.0.0.1:
// down then up, refusing then accepting, across a restart; every record arrives exactly once.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFileSync, unlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs } from '../../../../src/b2bua/cdr/index.js';
import { until } from '../../support/call-harness.js';
import { call, cdrHarness, jsonCdrConf, type CdrHarness } from './cdr-fixture.js';

interface Received {
  body: string;
  headers: IncomingMessage['headers'];
  status: number;
}

let h: CdrHarness | undefined;
let server: Server | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A free loopback port (listen on 0, then close). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** An HTTP server on `port` answering each request with `status(n)` (n counts from 0). */
async function cdrServer(port: number, status: (n: number) => number = () => 200): Promise<Received[]> {
  const got: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const code = status(got.length);
      got.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, status: code });
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
  return got;
}

const fast = { delay: '0.02', 'max-delay': '0.1', retries: '1', timeout: '2' };

/** uuid/leg of each accepted body. */
function accepted(got: Received[]): string[] {
  return got
    .filter((r) => r.status === 200)
    .map((r) => {
      const doc = JSON.parse(r.body) as { variables: Record<string, string>; callflow: Array<{ caller_profile: Record<string, unknown> }> };
      return `${doc.variables.uuid}/${doc.callflow[0]!.caller_profile.originator ? 'b' : 'a'}`;
    })
    .sort();
}

function expectedKeys(calls: Array<{ a: { uuid: string }; b: { uuid: string } }>): string[] {
  return calls.flatMap((c) => [`${c.a.uuid}/a`, `${c.b.uuid}/b`]).sort();
}

describe('CDR delivery over HTTP', () => {
  it('keeps records queued while the URL is down and delivers each exactly once when it comes up', async () => {
    const port = await freePort();
    h = await cdrHarness({ configuration: jsonCdrConf({ url: `http://127.0.0.1:${port}/cdr`, ...fast }) });
    const calls = [await call(h), await call(h)];
    const store = h.writer.store;
    await until(() => store.list().some((r) => r.postAttempts > 0), 3000, 'a failed delivery');
    expect(store.list().every((r) => r.postStatus === 'queued')).toBe(true);
    expect(store.list().find((r) => r.postAttempts > 0)!.lastError).toMatch(/ECONNREFUSED/);

    const got = await cdrServer(port);
    await until(() => store.queuedCount() === 0, 5000, 'the queue to drain');
    expect(accepted(got)).toEqual(expectedKeys(calls));
    expect(got).toHaveLength(4);
    for (const r of store.list()) {
      expect(r.postStatus).toBe('posted');
      expect(got.some((g) => g.body === readFileSync(r.jsonPath!, 'utf8'))).toBe(true);
    }
    expect(got[0]!.headers['content-type']).toBe('application/json');
  });

  it('retries a server that refuses with 503, sending basic credentials, until it accepts', async () => {
    const port = await freePort();
    const got = await cdrServer(port, (n) => (n < 3 ? 503 : 200));
    h = await cdrHarness({ configuration: jsonCdrConf({ url: `http://127.0.0.1:${port}/cdr`, cred: 'cdr:secret', ...fast }) });
    const calls = [await call(h)];
    await until(() => h!.writer.store.queuedCount() === 0, 5000, 'the queue to drain');
    expect(got.slice(0, 3).map((r) => r.status)).toEqual([503, 503, 503]);
    expect(accepted(got)).toEqual(expectedKeys(calls));
    expect(got.every((r) => r.headers.authorization === `Basic ${Buffer.from('cdr:secret').toString('base64')}`)).toBe(true);
    expect(h.writer.delivered).toBe(2);
  });

  it('resumes delivery after a restart', async () => {
    const port = await freePort();
    h = await cdrHarness({ configuration: jsonCdrConf({ url: `http://127.0.0.1:${port}/cdr`, ...fast }) });
    const calls = [await call(h)];
    await until(() => h!.writer.store.list().some((r) => r.postAttempts > 0), 3000, 'a failed delivery');
    await h.writer.close();
    const got = await cdrServer(port);
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toEqual([]); // closed: nothing is sent
    await h.reopen();
    await until(() => h!.writer.store.queuedCount() === 0, 5000, 'the queue to drain');
    expect(accepted(got)).toEqual(expectedKeys(calls));
  });

  it('takes the URL from the global cdr_url and sends cdr=<url-encoded JSON> with encode=true', async () => {
    const port = await freePort();
    const got = await cdrServer(port);
    h = await cdrHarness({ configuration: jsonCdrConf({ encode: 'true', ...fast }), vars: { cdr_url: `http://127.0.0.1:${port}/x` } });
    const { a } = await call(h);
    await until(() => h!.writer.store.queuedCount() === 0, 5000, 'the queue to drain');
    expect(got).toHaveLength(2);
    const docOf = (r: Received) => JSON.parse(decodeURIComponent(r.body.slice(4))) as { variables: Record<string, string> };
    const form = got.find((r) => docOf(r).variables.uuid === a.uuid)!;
    expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form.body.startsWith('cdr=')).toBe(true);
    const row = h.writer.store.list().find((r) => r.uuid === a.uuid)!;
    expect(decodeURIComponent(form.body.slice(4))).toBe(readFileSync(row.jsonPath!, 'utf8'));
  });

  it('marks a record lost when its JSON file was deleted before delivery', async () => {
    const port = await freePort();
    h = await cdrHarness({ configuration: jsonCdrConf({ url: `http://127.0.0.1:${port}/cdr`, ...fast }) });
    await call(h);
    await until(() => h!.writer.store.list().every((r) => r.postAttempts > 0), 3000, 'failed deliveries');
    for (const r of h.writer.store.list()) unlinkSync(r.jsonPath!);
    const got = await cdrServer(port);
    await until(() => h!.writer.store.list().every((r) => r.postStatus === 'lost'), 5000, 'lost records');
    expect(got).toEqual([]);
  });

  it('posts nothing and queues nothing without a URL', async () => {
    h = await cdrHarness();
    await call(h);
    expect(h.writer.store.list().map((r) => r.postStatus)).toEqual(['none', 'none']);
  });
});

describe('backoffMs', () => {
  it.each([
    [5, 300, 0, 5000],
    [5, 300, 1, 10000],
    [5, 300, 6, 300000],
    [0, 300, 0, 1000],
    [0.02, 0.1, 10, 100],
  ])('delay %s s, max %s s, after %s failed rounds waits %s ms', (delaySec, maxDelaySec, rounds, ms) => {
    expect(backoffMs({ delaySec, maxDelaySec }, rounds)).toBe(ms);
  });
});
