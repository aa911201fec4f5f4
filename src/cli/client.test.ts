/**
 * The CLI's I/O plumbing against a tiny in-test API server on a unix socket: HTTP over the socket, error
 * mapping, NDJSON, uploads, the attach WebSocket and HTTP stream framings, and whole commands through runCli (argument
 * parsing, request bodies, exit codes). The real daemon is exercised by the integration tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { PureError } from '../errors/index.js';
import { ApiClient } from './client.js';
import { AttachSession } from './attach.js';
import { runCli } from './main.js';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
type WsHandler = (ws: WebSocket, url: URL) => void;

interface FakeApi {
  socket: string;
  dir: string;
  requests: { method: string; url: string; body: Buffer }[];
  route(method: string, path: string, handler: Handler): void;
  ws(path: string, handler: WsHandler): void;
}

async function fakeApi(t: { after(fn: () => Promise<void>): void }): Promise<FakeApi> {
  const dir = await mkdtemp(join(tmpdir(), 'pure-cli-'));
  const socket = join(dir, 'pure.sock');
  const routes = new Map<string, Handler>();
  const sockets = new Map<string, WsHandler>();
  const requests: FakeApi['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const handler = routes.get(`${req.method} ${path}`);
      if (handler) return handler(req, body, res);
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'not_found', message: `no route ${path}` }));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, sock, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const handler = sockets.get(url.pathname);
    if (!handler) return sock.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    wss.handleUpgrade(req, sock, head, (ws) => handler(ws, url));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.after(async () => {
    for (const c of wss.clients) c.terminate();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });
  return {
    socket,
    dir,
    requests,
    route: (method, path, handler) => routes.set(`${method} ${path}`, handler),
    ws: (path, handler) => sockets.set(path, handler),
  };
}

/** One frame of POST .../attach's body: [type, 0, 0, 0, length as uint32 BE] then the payload. */
function muxFrame(type: number, payload: string | object): Buffer {
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString('utf8');
    cb();
  }
}

function io(api: FakeApi, stdinText?: string) {
  const stdin = Object.assign(stdinText === undefined ? new PassThrough() : Readable.from([Buffer.from(stdinText)]), { isTTY: false });
  return { stdout: new Sink(), stderr: new Sink(), stdin: stdin as unknown as NodeJS.ReadStream, env: { PURE_SOCKET: api.socket, FOO: 'from-shell' }, cwd: api.dir };
}

void test('json() sends the body and parses the answer', async (t) => {
  const api = await fakeApi(t);
  api.route('POST', '/v1/images/busybox/tag', (_req, body, res) => json(res, 200, { echoed: JSON.parse(body.toString()) as unknown }));
  const out = await new ApiClient(api.socket).json<{ echoed: unknown }>('POST', '/v1/images/busybox/tag', { target: 'bb:1' });
  assert.deepEqual(out.echoed, { target: 'bb:1' });
});

void test('an API error becomes a PureError with its code and message', async (t) => {
  const api = await fakeApi(t);
  api.route('GET', '/v1/containers/web', (_req, _b, res) => json(res, 409, { code: 'conflict', message: 'container "web" is running' }));
  await assert.rejects(new ApiClient(api.socket).json('GET', '/v1/containers/web'), (err: unknown) => {
    assert.ok(err instanceof PureError);
    assert.equal(err.code, 'conflict');
    assert.equal(err.message, 'container "web" is running');
    return true;
  });
});

void test('a missing daemon socket says how to start the daemon', async () => {
  const socket = join(tmpdir(), `pure-missing-${process.pid}.sock`);
  await assert.rejects(new ApiClient(socket).json('GET', '/v1/version'), {
    code: 'unavailable',
    message: `cannot connect to the Pure daemon at ${socket}: is it running? (start it with: pure daemon &)`,
  });
});

void test('stream() yields NDJSON values even when lines are split across chunks', async (t) => {
  const api = await fakeApi(t);
  api.route('GET', '/v1/containers/c1/logs', (_req, _b, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"stream":"stdout","time":"t1","da');
    setImmediate(() => res.end('ta":"a\\n"}\n{"stream":"stderr","time":"t2","data":"b\\n"}\n'));
  });
  const got: unknown[] = [];
  for await (const e of new ApiClient(api.socket).stream('/v1/containers/c1/logs', { query: { follow: true } })) got.push(e);
  assert.deepEqual(got, [
    { stream: 'stdout', time: 't1', data: 'a\n' },
    { stream: 'stderr', time: 't2', data: 'b\n' },
  ]);
  assert.equal(api.requests[0]?.url, '/v1/containers/c1/logs?follow=1');
});

void test('upload() streams the body to the daemon', async (t) => {
  const api = await fakeApi(t);
  api.route('POST', '/v1/images/import', (req, body, res) => json(res, 200, { size: body.length, type: req.headers['content-type'] }));
  const res = await new ApiClient(api.socket).upload<{ size: number; type: string }>('/v1/images/import', Readable.from([Buffer.alloc(70_000, 1)]), {
    query: { ref: 'img:1' },
  });
  assert.deepEqual(res, { size: 70_000, type: 'application/x-tar' });
  assert.equal(api.requests[0]?.url, '/v1/images/import?ref=img%3A1');
});

void test('an attach session routes stream bytes apart, forwards stdin with eof, and returns the exit code', async (t) => {
  const api = await fakeApi(t);
  const stdinSeen: string[] = [];
  api.ws('/v1/containers/c1/attach', (ws) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return void stdinSeen.push(data.toString());
      const msg = JSON.parse(data.toString()) as { type: string };
      if (msg.type !== 'eof') return;
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(`out:${stdinSeen.join('')}`)]));
      ws.send(Buffer.concat([Buffer.from([2]), Buffer.from('err')]));
      ws.send(JSON.stringify({ type: 'exit', exitCode: 7, oomKilled: false }));
      ws.close();
    });
  });
  const stdout = new Sink();
  const stderr = new Sink();
  const session = await AttachSession.open(new ApiClient(api.socket).wsUrl('/v1/containers/c1/attach'), { stdout, stderr });
  session.forwardStdin(Readable.from([Buffer.from('hello')]));
  assert.deepEqual(await session.wait(), { exitCode: 7, oomKilled: false });
  assert.equal(stdout.text, 'out:hello');
  assert.equal(stderr.text, 'err');
});

void test('an attach error frame rejects with its code', async (t) => {
  const api = await fakeApi(t);
  api.ws('/v1/exec/e1/start', (ws) => {
    ws.send(JSON.stringify({ type: 'error', code: 'not_found', message: 'executable "nope" not found' }));
    ws.close();
  });
  const session = await AttachSession.open(new ApiClient(api.socket).wsUrl('/v1/exec/e1/start'), { stdout: new Sink(), stderr: new Sink() });
  await assert.rejects(session.wait(), { code: 'not_found', message: 'executable "nope" not found' });
});

void test('run -d stops option parsing at the image and prints the full id', async (t) => {
  const api = await fakeApi(t);
  api.route('POST', '/v1/containers', (_req, _b, res) => json(res, 201, { id: 'f'.repeat(64), name: 'x', warnings: [] }));
  api.route('POST', `/v1/containers/${'f'.repeat(64)}/start`, (_req, _b, res) => json(res, 200, {}));
  const env = io(api);
  const code = await runCli(['run', '-d', '--rm', '-e', 'FOO', '-m', '64m', 'busybox', 'ls', '-l', '--rm'], env);
  assert.equal(code, 0, env.stderr.text);
  assert.equal(env.stdout.text, `${'f'.repeat(64)}\n`);
  const body = JSON.parse(api.requests[0]?.body.toString() ?? '') as Record<string, unknown>;
  assert.deepEqual(body, { image: 'busybox', cmd: ['ls', '-l', '--rm'], env: ['FOO=from-shell'], autoRemove: true, resources: { memory: 64 * 1024 * 1024 } });
  assert.equal(api.requests[1]?.url, `/v1/containers/${'f'.repeat(64)}/start`);
});

void test('run without -i or -t streams over one POST attach?start=1, frames split anywhere, and exits with the code', async (t) => {
  const api = await fakeApi(t);
  api.route('POST', '/v1/containers', (_req, _b, res) => json(res, 201, { id: 'c1', name: 'x', warnings: [] }));
  api.route('POST', '/v1/containers/c1/attach', (_req, _b, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.pure.multiplexed-stream' });
    const body = Buffer.concat([muxFrame(1, 'hi\n'), muxFrame(2, 'oops\n'), muxFrame(1, 'more\n'), muxFrame(3, { type: 'exit', exitCode: 3, oomKilled: false })]);
    // in pieces that cut a header and a payload in two
    const cuts = [3, 12, 20, body.length];
    let at = 0;
    const next = (): void => {
      const end = cuts.shift();
      if (end === undefined) return void res.end();
      res.write(body.subarray(at, end));
      at = end;
      setImmediate(next);
    };
    next();
  });
  const env = io(api);
  const code = await runCli(['run', 'busybox', 'sh', '-c', 'echo hi; echo oops >&2; exit 3'], env);
  assert.equal(code, 3, env.stderr.text);
  assert.equal(env.stdout.text, 'hi\nmore\n');
  assert.equal(env.stderr.text, 'oops\n');
  assert.deepEqual(api.requests.map((r) => `${r.method} ${r.url}`), ['POST /v1/containers', 'POST /v1/containers/c1/attach?logs=1&start=1']);
});

void test('run over the HTTP stream: an error frame fails with 125, a body without an exit frame falls back to wait', async (t) => {
  const api = await fakeApi(t);
  api.route('POST', '/v1/containers', (_req, body, res) => json(res, 201, { id: (JSON.parse(body.toString()) as { name: string }).name, warnings: [] }));
  api.route('POST', '/v1/containers/bad/attach', (_req, _b, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.pure.multiplexed-stream' });
    res.end(Buffer.concat([muxFrame(3, { type: 'error', code: 'failed_precondition', message: 'conmon lost the container' }), muxFrame(3, { type: 'exit', exitCode: 0, oomKilled: false })]));
  });
  api.route('POST', '/v1/containers/cut/attach', (_req, _b, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.pure.multiplexed-stream' });
    res.end(muxFrame(1, 'partial\n'));
  });
  api.route('POST', '/v1/containers/cut/wait', (_req, _b, res) => json(res, 200, { exitCode: 4, oomKilled: false }));
  const bad = io(api);
  assert.equal(await runCli(['run', '--name', 'bad', 'busybox'], bad), 125);
  assert.equal(bad.stderr.text, 'pure: conmon lost the container\n');
  const cut = io(api);
  assert.equal(await runCli(['run', '--name', 'cut', 'busybox'], cut), 4);
  assert.equal(cut.stdout.text, 'partial\n');
});

void test('start -a streams over POST attach?start=1 and replays only for a container that never ran', async (t) => {
  const api = await fakeApi(t);
  api.route('GET', '/v1/containers/old', (_req, _b, res) => json(res, 200, { config: { tty: false }, state: { status: 'exited' } }));
  api.route('POST', '/v1/containers/old/attach', (_req, _b, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.pure.multiplexed-stream' });
    res.end(Buffer.concat([muxFrame(1, 'again\n'), muxFrame(3, { type: 'exit', exitCode: 0, oomKilled: false })]));
  });
  const env = io(api);
  assert.equal(await runCli(['start', '-a', 'old'], env), 0, env.stderr.text);
  assert.equal(env.stdout.text, 'again\n');
  assert.equal(api.requests[1]?.url, '/v1/containers/old/attach?start=1');
});

void test('run -i attaches the WebSocket before start, forwards stdin and exits with the container\'s code', async (t) => {
  const api = await fakeApi(t);
  const order: string[] = [];
  let attached: WebSocket | undefined;
  let stdinSeen = '';
  api.route('POST', '/v1/containers', (_req, _b, res) => json(res, 201, { id: 'c1', name: 'x', warnings: [] }));
  api.ws('/v1/containers/c1/attach', (ws, url) => {
    order.push(`attach logs=${url.searchParams.get('logs')}`);
    attached = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) stdinSeen += data.toString();
      else if ((JSON.parse(data.toString()) as { type: string }).type === 'eof') {
        ws.send(Buffer.from([1, ...Buffer.from(`got ${stdinSeen}`)]));
        ws.send(JSON.stringify({ type: 'exit', exitCode: 3, oomKilled: false }));
      }
    });
  });
  api.route('POST', '/v1/containers/c1/start', (_req, _b, res) => {
    order.push('start');
    json(res, 200, {});
    attached?.send(Buffer.from([2, ...Buffer.from('oops\n')]));
  });
  const env = io(api, 'typed\n');
  const code = await runCli(['run', '-i', 'busybox', 'cat'], env);
  assert.equal(code, 3, env.stderr.text);
  assert.deepEqual(order, ['attach logs=1', 'start']);
  assert.equal(env.stdout.text, 'got typed\n');
  assert.equal(env.stderr.text, 'oops\n');
});

void test('run exits 127 when start says the command was not found, and removes a --rm container', async (t) => {
  const api = await fakeApi(t);
  api.route('POST', '/v1/containers', (_req, _b, res) => json(res, 201, { id: 'c2', name: 'x', warnings: [] }));
  api.route('POST', '/v1/containers/c2/attach', (_req, _b, res) => json(res, 404, { code: 'not_found', message: 'executable file "nope" not found in $PATH' }));
  api.route('DELETE', '/v1/containers/c2', (_req, _b, res) => json(res, 200, {}));
  const env = io(api);
  assert.equal(await runCli(['run', '--rm', 'busybox', 'nope'], env), 127);
  assert.equal(env.stderr.text, 'pure: executable file "nope" not found in $PATH\n');
  assert.ok(api.requests.some((r) => r.method === 'DELETE' && r.url === '/v1/containers/c2?force=1'));
});

void test('run fails with 125 on a bad flag and when the daemon is down; ps fails with 1', async (t) => {
  const api = await fakeApi(t);
  const env = io(api);
  assert.equal(await runCli(['run', '--memory', '12q', 'busybox'], env), 125);
  assert.equal(env.stderr.text, 'pure: invalid --memory "12q": unknown unit "q"\n');
  assert.equal(api.requests.length, 0);
  const down = { ...io(api), env: { PURE_SOCKET: join(api.dir, 'absent.sock') } };
  assert.equal(await runCli(['run', 'busybox'], down), 125);
  assert.match(down.stderr.text, /^pure: cannot connect to the Pure daemon at .*absent\.sock: is it running\?/);
  assert.equal(await runCli(['--host', `unix://${join(api.dir, 'absent.sock')}`, 'ps'], io(api)), 1);
  const unknown = io(api);
  assert.equal(await runCli(['run', '--bogus', 'busybox'], unknown), 125);
  assert.match(unknown.stderr.text, /^pure: unknown option '--bogus'/);
});

void test('logs keeps stdout and stderr apart and prefixes times with -t', async (t) => {
  const api = await fakeApi(t);
  api.route('GET', '/v1/containers/web/logs', (_req, _b, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.end('{"stream":"stdout","time":"T1","data":"a\\n"}\n{"stream":"stderr","time":"T2","data":"b\\n"}\n');
  });
  const env = io(api);
  assert.equal(await runCli(['logs', '-t', '--tail', '5', 'web'], env), 0);
  assert.equal(env.stdout.text, 'T1 a\n');
  assert.equal(env.stderr.text, 'T2 b\n');
  assert.equal(api.requests[0]?.url, '/v1/containers/web/logs?tail=5&timestamps=1&stdout=1&stderr=1');
});

void test('rm acts on each target, prints the ones removed, and exits 1 if any failed', async (t) => {
  const api = await fakeApi(t);
  api.route('DELETE', '/v1/containers/a', (_req, _b, res) => json(res, 200, {}));
  const env = io(api);
  assert.equal(await runCli(['rm', '-f', 'a', 'b'], env), 1);
  assert.equal(env.stdout.text, 'a\n');
  assert.equal(env.stderr.text, 'pure: no route /v1/containers/b\n');
  assert.equal(api.requests[0]?.url, '/v1/containers/a?force=1');
});

void test('import streams the file as the body and prints the image id', async (t) => {
  const api = await fakeApi(t);
  const tar = join(api.dir, 'rootfs.tar');
  await writeFile(tar, Buffer.alloc(4096, 7));
  api.route('POST', '/v1/images/import', (_req, body, res) => json(res, 200, { id: `sha256:${body.length}` }));
  const env = io(api);
  assert.equal(await runCli(['import', tar, 'busybox:latest'], env), 0, env.stderr.text);
  assert.equal(env.stdout.text, 'sha256:4096\n');
  const missing = io(api);
  assert.equal(await runCli(['import', join(api.dir, 'nope.tar'), 'x'], missing), 1);
  assert.match(missing.stderr.text, /^pure: cannot read ".*nope\.tar": ENOENT/);
});

void test('inspect prints a JSON array, falling back from containers to images', async (t) => {
  const api = await fakeApi(t);
  api.route('GET', '/v1/images/busybox', (_req, _b, res) => json(res, 200, { id: 'sha256:1' }));
  const env = io(api);
  assert.equal(await runCli(['inspect', 'busybox', 'ghost'], env), 1);
  assert.deepEqual(JSON.parse(env.stdout.text), [{ id: 'sha256:1' }]);
  assert.equal(env.stderr.text, 'pure: no such object: "ghost"\n');
});
