/**
 * Durable callbacks through the real daemon: a finished job's callbackUrl is delivered with retries and
 * backoff when the receiver first refuses, and still delivered when the daemon is killed (-9) between the
 * job's end and the delivery and started again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';
import { api } from './fixtures/api.js';
import type { JobRecord } from '../src/sandbox/index.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: JobRecord;
}

/** A loopback receiver that answers `refusals` times 503, then 200, and records every POST. */
async function receiver(refusals: number, port = 0): Promise<{ server: Server; url: string; got: Received[]; answered: number[] }> {
  const got: Received[] = [];
  const answered: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      const status = answered.length < refusals ? 503 : 200;
      answered.push(status);
      if (status === 200) got.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) as JobRecord });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/done`, got, answered };
}

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) assert.fail(`still not true after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

void describe('sandbox callbacks', { timeout: 240_000 }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startTestDaemon();
    await importBusybox(d, 'busybox');
  });
  after(async () => {
    await d?.cleanup();
  });

  void it('retries with backoff until the receiver takes the job: 503, 503, then 200', async () => {
    const rx = await receiver(2);
    try {
      const r = await api<JobRecord>(d, 'POST', '/v1/jobs?wait=30', { image: 'busybox', command: ['echo', 'graded'], callbackUrl: rx.url });
      assert.equal(r.body.result?.status, 'ok');
      const got = await eventually(() => rx.got[0], 'the callback arrived');
      assert.deepEqual(rx.answered, [503, 503, 200]);
      assert.equal(got.body.id, r.body.id);
      assert.equal(got.body.result?.stdout, 'graded\n');
      assert.equal(got.headers['x-pure-job-id'], r.body.id);
      assert.equal(got.headers['x-pure-delivery-attempt'], '3');
      const after = await eventually(async () => {
        const j = (await api<JobRecord>(d, 'GET', `/v1/jobs/${r.body.id}`)).body;
        return j.callback?.state === 'delivered' ? j : undefined;
      }, 'the job says delivered');
      assert.deepEqual(after.callback, { state: 'delivered', attempts: 3 });
    } finally {
      rx.server.close();
    }
  });

  void it('delivers a finished job whose receiver was down, after a kill -9 and restart of the daemon', async () => {
    // a port nothing listens on yet: every attempt before the restart is refused
    const probe = await receiver(0);
    const port = (probe.server.address() as AddressInfo).port;
    await new Promise((r) => probe.server.close(r));
    const url = `http://127.0.0.1:${port}/done`;
    const r = await api<JobRecord>(d, 'POST', '/v1/jobs?wait=30', { image: 'busybox', command: ['echo', 'survives'], callbackUrl: url });
    assert.equal(r.body.result?.status, 'ok');
    const pending = await eventually(async () => {
      const j = (await api<JobRecord>(d, 'GET', `/v1/jobs/${r.body.id}`)).body;
      return j.callback && j.callback.attempts >= 1 ? j : undefined;
    }, 'a first attempt was refused');
    assert.equal(pending.callback?.state, 'pending');
    assert.match(pending.callback?.lastError ?? '', /ECONNREFUSED/);
    await d.kill9();
    const rx = await receiver(0, port);
    try {
      await d.restart();
      const got = await eventually(() => rx.got.find((g) => g.body.id === r.body.id), 'the callback arrived after the restart');
      assert.equal(got.body.result?.stdout, 'survives\n');
      const j = await eventually(async () => {
        const v = (await api<JobRecord>(d, 'GET', `/v1/jobs/${r.body.id}`)).body;
        return v.callback?.state === 'delivered' ? v : undefined;
      }, 'the job says delivered');
      assert.ok((j.callback?.attempts ?? 0) >= 2, JSON.stringify(j.callback));
    } finally {
      rx.server.close();
    }
  });

  void it('leaves nothing behind', async () => {
    d.proc.kill('SIGTERM');
    await new Promise((r) => d.proc.once('exit', r));
    assert.deepEqual(d.leaks(), []);
  });
});
