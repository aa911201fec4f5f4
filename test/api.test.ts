/**
 * API v1 contract: the OpenAPI document describes exactly the routes served, every error carries a code
 * from the catalog with its status, and POST /v1/containers/{id}/attach streams a real container's output.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ERROR_CODES } from '../src/errors/index.js';
import { STATUS_OF } from '../src/api/index.js';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';

let d: TestDaemon;
before(async () => {
  d = await startTestDaemon();
  await importBusybox(d);
});
after(async () => {
  await d.cleanup();
});

function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method, path, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      // NDJSON answers (logs, events, stack actions) stay text
      const isJson = (res.headers['content-type'] ?? '').startsWith('application/json');
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: isJson ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

void test('every path in the OpenAPI document is served, and a made-up one is not', async () => {
  const doc = (await call('GET', '/v1/openapi.json')).json as { openapi: string; paths: Record<string, Record<string, unknown>> };
  assert.equal(doc.openapi, '3.1.0');
  const paths = Object.keys(doc.paths);
  for (const must of ['/v1/containers', '/v1/containers/{id}/start', '/v1/images/import', '/v1/containers/{id}/logs']) {
    assert.ok(paths.includes(must), `${must} is documented`);
  }
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of Object.keys(methods)) {
      if (method === 'get' && (path.endsWith('/attach') || path.startsWith('/v1/exec'))) continue; // WebSockets
      // GET /v1/events streams until `until` (or the client leaves): ask for one that ends now
      const url = path === '/v1/events' ? `/v1/events?until=${new Date().toISOString()}` : path.replace(/\{[^}]+\}/g, 'nosuchthing');
      const r = await call(method.toUpperCase(), url, method === 'post' ? {} : undefined);
      const body = r.json as { code?: string; message?: string };
      // served: any answer but the router's "no such endpoint"
      assert.ok(!(r.status === 404 && body.message?.startsWith('no such endpoint')), `${method} ${path} is served`);
    }
  }
  const unknown = await call('GET', '/v1/nosuchendpoint');
  assert.equal(unknown.status, 404);
});

void test('errors carry a catalog code and the status mapped to it', async () => {
  const cases: [string, string, unknown, string][] = [
    ['GET', '/v1/containers/nope', undefined, 'not_found'],
    ['POST', '/v1/containers', { image: 'busybox', resources: { memory: '12q' } }, 'invalid_argument'],
    ['POST', '/v1/containers', { image: 'nosuchimage' }, 'not_found'],
  ];
  for (const [method, path, body, code] of cases) {
    const r = await call(method, path, body);
    const err = r.json as { code: string; message: string };
    assert.equal(err.code, code, `${method} ${path}`);
    assert.ok(ERROR_CODES.includes(err.code as never));
    assert.equal(r.status, STATUS_OF[err.code as keyof typeof STATUS_OF]);
    assert.equal(err.message.includes('\n'), false, 'one line');
  }
  const name = 'api-conflict';
  assert.equal((await call('POST', '/v1/containers', { image: 'busybox', name, cmd: ['sleep', '30'] })).status, 201);
  assert.equal((await call('POST', `/v1/containers/${name}/start`)).status, 200);
  const busy = await call('DELETE', `/v1/containers/${name}`);
  assert.equal((busy.json as { code: string }).code, 'conflict');
  assert.equal(busy.status, 409);
  assert.equal((await call('DELETE', `/v1/containers/${name}?force=1`)).status, 200);
});

/** POST `path` and split the multiplexed body into its frames: [type, 0, 0, 0, length (uint32 BE)] payload. */
function attachFrames(path: string): Promise<{ status: number; type: string; frames: { type: number; text: string }[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method: 'POST', path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let body = Buffer.concat(chunks);
        const frames: { type: number; text: string }[] = [];
        if ((res.statusCode ?? 0) < 400) {
          while (body.length >= 8) {
            const end = 8 + body.readUInt32BE(4);
            frames.push({ type: body[0] ?? 0, text: body.subarray(8, end).toString('utf8') });
            body = body.subarray(end);
          }
        } else {
          frames.push({ type: 0, text: body.toString('utf8') });
        }
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', frames });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

void test('POST attach?start=1 starts a container and streams stdout and stderr apart, then its exit', async () => {
  const created = await call('POST', '/v1/containers', { image: 'busybox', cmd: ['sh', '-c', 'echo out; echo err >&2; echo more; exit 3'] });
  assert.equal(created.status, 201);
  const { id } = created.json as { id: string };
  const r = await attachFrames(`/v1/containers/${id}/attach?logs=1&start=1`);
  assert.equal(r.status, 200);
  assert.equal(r.type, 'application/vnd.pure.multiplexed-stream');
  const out = r.frames.filter((f) => f.type === 1).map((f) => f.text).join('');
  const err = r.frames.filter((f) => f.type === 2).map((f) => f.text).join('');
  assert.equal(out, 'out\nmore\n');
  assert.equal(err, 'err\n');
  assert.deepEqual(JSON.parse(r.frames.at(-1)?.text ?? ''), { type: 'exit', exitCode: 3, oomKilled: false });
  assert.equal(r.frames.at(-1)?.type, 3);
  // started again without replay: only the new run's output
  const again = await attachFrames(`/v1/containers/${id}/attach?start=1`);
  assert.equal(again.frames.filter((f) => f.type === 1).map((f) => f.text).join(''), 'out\nmore\n');
  assert.equal((await call('DELETE', `/v1/containers/${id}`)).status, 200);
});

void test('POST attach?start=1 answers a failed start with its error, and with autoRemove ends once the container is gone', async () => {
  const bad = await call('POST', '/v1/containers', { image: 'busybox', cmd: ['/nope'], autoRemove: true });
  const badId = (bad.json as { id: string }).id;
  const failed = await attachFrames(`/v1/containers/${badId}/attach?logs=1&start=1`);
  assert.equal(failed.status, 404, failed.frames[0]?.text);
  assert.equal((JSON.parse(failed.frames[0]?.text ?? '{}') as { code: string }).code, 'not_found');
  await call('DELETE', `/v1/containers/${badId}?force=1`);

  const rm = await call('POST', '/v1/containers', { image: 'busybox', cmd: ['true'], autoRemove: true });
  const rmId = (rm.json as { id: string }).id;
  const r = await attachFrames(`/v1/containers/${rmId}/attach?logs=1&start=1`);
  assert.deepEqual(JSON.parse(r.frames.at(-1)?.text ?? ''), { type: 'exit', exitCode: 0, oomKilled: false });
  assert.equal((await call('GET', `/v1/containers/${rmId}`)).status, 404);
  assert.equal((await attachFrames('/v1/containers/nosuchthing/attach?start=1')).status, 404);
});
