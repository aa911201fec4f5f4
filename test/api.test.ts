/**
 * API v1 contract: the OpenAPI document describes exactly the routes served, and every error carries a code
 * from the catalog with its status.
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
    if (path.endsWith('/attach') || path.endsWith('/start') && path.startsWith('/v1/exec')) continue; // WebSockets
    for (const method of Object.keys(methods)) {
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
