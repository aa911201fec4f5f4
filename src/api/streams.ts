/**
 * The streaming endpoints: attach to a container's stdio and run an exec over a WebSocket, and attach to a
 * container's output over plain HTTP (POST /v1/containers/{id}/attach, optionally starting it).
 * WebSocket framing (see types.ts): binary frames carry output with a leading stream byte (1 stdout, 2 stderr)
 * and, from the client, stdin bytes; text frames carry control messages (exit, error, resize, eof).
 * The HTTP body uses docker's multiplexed-stream header instead: [type, 0, 0, 0, length (uint32 BE)] then the
 * payload, type 1 stdout, 2 stderr, 3 a control message (exit or error) as JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, type Duplex, type Writable } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import type { WebSocketServer, WebSocket, RawData } from 'ws';
import { codeOf, messageOf } from '../errors/index.js';
import type { ApiDeps } from './deps.js';
import type { ExecRegistry } from './exec-registry.js';
import type { AttachControl, WaitResponse } from './types.js';

const STDOUT = 1;
const STDERR = 2;

function frame(stream: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from([stream]), body]);
}

function control(ws: WebSocket, msg: AttachControl): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

function fail(ws: WebSocket, err: unknown): void {
  control(ws, { type: 'error', code: codeOf(err), message: messageOf(err) });
  ws.close();
}

function parseControl(data: RawData): AttachControl | null {
  try {
    return JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8')) as AttachControl;
  } catch {
    return null;
  }
}

export interface UpgradeHandler {
  (req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Drop every attached client (the daemon is stopping; containers go on under conmon). */
  closeAll(): void;
}

export function attachUpgradeHandler(deps: ApiDeps, execs: ExecRegistry): UpgradeHandler {
  // ws is loaded by the first upgrade, not by the daemon's start (idle RSS); until then there is no client to close
  let wss: WebSocketServer | undefined;
  let loading: Promise<WebSocketServer> | undefined;
  const server = (): Promise<WebSocketServer> =>
    (loading ??= import('ws').then(({ WebSocketServer: Server }) => (wss = new Server({ noServer: true }))));
  const handler = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://pure');
    const attach = /^\/v1\/containers\/([^/]+)\/attach$/.exec(url.pathname);
    const exec = /^\/v1\/exec\/([^/]+)\/start$/.exec(url.pathname);
    if (!attach && !exec) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    void server().then(
      (s) =>
        s.handleUpgrade(req, socket, head, (ws) => {
          if (attach) {
            const opts = { replay: url.searchParams.get('logs') === '1', next: url.searchParams.get('next') === '1' };
            runAttach(deps, ws, decodeURIComponent(attach[1] ?? ''), opts);
          }
          else runExec(deps, execs, ws, exec?.[1] ?? '');
        }),
      () => socket.destroy(),
    );
  };
  return Object.assign(handler, {
    closeAll: () => {
      for (const ws of wss?.clients ?? []) ws.terminate();
    },
  });
}

/** One item of an attach's output: bytes of one stream, or the control message that ends it. */
type AttachItem = { stream: typeof STDOUT | typeof STDERR; data: string } | Extract<AttachControl, { type: 'exit' | 'error' }>;

/**
 * Follow the output of container `id` for an attach. The subscription is made by this call, so a client that
 * calls it before starting the container misses nothing: with `replay`, output comes from the start of the
 * log; without, only what is written from now on. Yields output until the container's next exit, then (once
 * an autoRemove container is gone, as docker's `run --rm` returns) an error item if the exit carries one,
 * and the exit item; a failure ends it with an error item. Once `signal` aborts it ends without either.
 * `starting`: the caller starts the container next, so a stopped one is followed into its next run rather
 * than answered at once with its last exit.
 */
function followAttach(deps: ApiDeps, id: string, opts: { replay: boolean; starting?: boolean; signal: AbortSignal }): AsyncGenerator<AttachItem> {
  const c = deps.containers;
  let result: WaitResponse | undefined;
  const onExit = (r: WaitResponse) => {
    result = r;
  };
  c.events.once(`exit:${id}`, onExit);
  return (async function* (): AsyncGenerator<AttachItem> {
    try {
      const cur = c.resolve(id);
      const entries = c.logs(id, { follow: true, untilNextExit: true, tail: opts.replay ? undefined : 0, signal: opts.signal });
      if (cur.status === 'exited' && !opts.replay && !opts.starting) {
        // nothing will come: docker refuses to attach to a stopped container
        result = { exitCode: cur.exitCode, oomKilled: cur.oomKilled };
      } else {
        for await (const e of entries) yield { stream: e.stream === 'stdout' ? STDOUT : STDERR, data: e.data };
      }
      if (opts.signal.aborted) return;
      const rec = c.repo.get(id);
      const final: WaitResponse = result ?? { exitCode: rec?.exitCode ?? 0, oomKilled: rec?.oomKilled ?? false };
      // `run --rm` returns once the container is gone, as docker's does
      if (rec?.config.autoRemove) await removed(deps, id, 10_000, opts.signal);
      if (opts.signal.aborted) return;
      if (final.error) yield { type: 'error', code: 'failed_precondition', message: final.error };
      yield { type: 'exit', exitCode: final.exitCode, oomKilled: final.oomKilled };
    } catch (e) {
      yield { type: 'error', code: codeOf(e), message: messageOf(e) };
    } finally {
      c.events.off(`exit:${id}`, onExit);
    }
  })();
}

/** `next`: the client starts the container after the socket opens (`start -ai`): follow its next run. */
function runAttach(deps: ApiDeps, ws: WebSocket, ref: string, opts: { replay: boolean; next: boolean }): void {
  const c = deps.containers;
  let id: string;
  try {
    id = c.resolve(ref).id;
  } catch (e) {
    fail(ws, e);
    return;
  }
  const ac = new AbortController();
  const output = followAttach(deps, id, { replay: opts.replay, starting: opts.next, signal: ac.signal });

  // stdin: opened on first use, once the container runs (conmon's attach socket exists only then)
  let stdin: Promise<Writable | undefined> | undefined;
  const openStdin = (): Promise<Writable | undefined> =>
    (stdin ??= waitRunning(deps, id, ac.signal).then(() => c.openStdin(id)).catch((e: unknown) => {
      fail(ws, e);
      return undefined;
    }));
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      void openStdin().then((w) => w?.write(buf));
      return;
    }
    const msg = parseControl(data);
    if (msg?.type === 'eof') void openStdin().then((w) => w?.end());
    if (msg?.type === 'resize') {
      size = { rows: msg.rows, cols: msg.cols };
      void c.resize(id, msg.rows, msg.cols).catch(() => undefined);
    }
  });
  // `run -t` sends its size before the container starts: apply the last one once it runs
  let size: { rows: number; cols: number } | undefined;
  const onStart = () => {
    if (size) void c.resize(id, size.rows, size.cols).catch(() => undefined);
  };
  c.events.on(`wake:${id}`, onStart);
  ws.on('close', () => {
    ac.abort();
    c.events.off(`wake:${id}`, onStart);
    void stdin?.then((w) => w?.end());
  });

  void (async () => {
    for await (const item of output) {
      if (ws.readyState !== ws.OPEN) break;
      if ('stream' in item) ws.send(frame(item.stream, item.data));
      else control(ws, item);
    }
    ws.close();
  })();
}

const CONTROL = 3;

/** The body of POST /v1/containers/{id}/attach (see the file's doc). */
export const ATTACH_STREAM_TYPE = 'application/vnd.pure.multiplexed-stream';

function muxFrame(type: number, data: string): Buffer {
  const body = Buffer.from(data, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/**
 * POST /v1/containers/{id}/attach?logs=1&start=1: the output of a container as one HTTP response, for clients
 * that send no stdin (`pure run` without -i or -t): no WebSocket to load or upgrade. The subscription is made
 * before the optional start, so nothing is missed; a failing start answers its error status like POST start,
 * and then nothing was streamed. Resolves with the body to send.
 */
export async function attachOverHttp(
  deps: ApiDeps,
  ref: string,
  opts: { replay: boolean; start: boolean; res: ServerResponse },
): Promise<Readable> {
  const id = deps.containers.resolve(ref).id;
  const ac = new AbortController();
  opts.res.on('close', () => ac.abort());
  const output = followAttach(deps, id, { replay: opts.replay, starting: opts.start, signal: ac.signal });
  // the first step reads how far the log is (without replay: where to begin) while the container starts
  const first = output.next();
  if (opts.start) {
    try {
      await deps.containers.start(id);
    } catch (e) {
      ac.abort();
      await first;
      await output.return(undefined);
      throw e;
    }
  }
  return Readable.from((async function* () {
    try {
      for (let next = await first; !next.done; next = await output.next()) {
        const item = next.value;
        yield 'stream' in item ? muxFrame(item.stream, item.data) : muxFrame(CONTROL, JSON.stringify(item));
      }
    } finally {
      ac.abort();
      await output.return(undefined);
    }
  })());
}

/** Resolve once container `id` is removed, after `timeoutMs`, or when `signal` aborts, whichever is first. */
function removed(deps: ApiDeps, id: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (!deps.containers.repo.get(id) || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      deps.containers.events.off(`removed:${id}`, done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    deps.containers.events.once(`removed:${id}`, done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function waitRunning(deps: ApiDeps, id: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const r = deps.containers.repo.get(id);
      if (!r) return reject(new Error('the container is gone'));
      if (r.status === 'running' || r.status === 'paused') return resolve();
      if (r.status === 'exited' && r.startedAt) return reject(new Error('the container has exited'));
      if (signal.aborted) return reject(new Error('detached'));
      setTimeout(check, 20);
    };
    check();
  });
}

function runExec(deps: ApiDeps, execs: ExecRegistry, ws: WebSocket, execId: string): void {
  // stdin may arrive before the process exists: queue it until then
  const pending: (Buffer | 'eof' | { rows: number; cols: number })[] = [];
  let child: ChildProcess | undefined;
  const deliver = (item: Buffer | 'eof' | { rows: number; cols: number }) => {
    if (!child) return void pending.push(item);
    if (item === 'eof') child.stdin?.end();
    else if (Buffer.isBuffer(item)) child.stdin?.write(item);
    else child.emit('resize', item.rows, item.cols);
  };
  ws.on('message', (data, isBinary) => {
    if (isBinary) return deliver(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
    const msg = parseControl(data);
    if (msg?.type === 'eof') deliver('eof');
    if (msg?.type === 'resize') deliver({ rows: msg.rows, cols: msg.cols });
  });
  ws.on('close', () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });
  void (async () => {
    try {
      const { containerId, req } = execs.take(execId);
      const proc = await deps.containers.exec(containerId, req);
      child = proc;
      proc.stdin?.on('error', () => undefined);
      proc.stdout?.on('data', (b: Buffer) => ws.readyState === ws.OPEN && ws.send(frame(STDOUT, b)));
      proc.stderr?.on('data', (b: Buffer) => ws.readyState === ws.OPEN && ws.send(frame(STDERR, b)));
      if (!req.openStdin) proc.stdin?.end();
      else for (const item of pending.splice(0)) deliver(item);
      if (ws.readyState !== ws.OPEN && proc.exitCode === null) proc.kill('SIGKILL');
      proc.on('error', (e) => fail(ws, e));
      proc.on('close', (code, sig) => {
        const exitCode = code ?? (sig ? 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[sig] ?? 0) : 0);
        control(ws, { type: 'exit', exitCode, oomKilled: false });
        ws.close();
      });
    } catch (e) {
      fail(ws, e);
    }
  })();
}
