/**
 * The WebSocket endpoints: attach to a container's stdio and run an exec. Framing (see types.ts): binary frames
 * carry output with a leading stream byte (1 stdout, 2 stderr) and, from the client, stdin bytes; text frames
 * carry control messages (exit, error, resize, eof).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
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
          if (attach) runAttach(deps, ws, decodeURIComponent(attach[1] ?? ''), url.searchParams.get('logs') === '1');
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

function runAttach(deps: ApiDeps, ws: WebSocket, ref: string, replay: boolean): void {
  const c = deps.containers;
  let id: string;
  try {
    id = c.resolve(ref).id;
  } catch (e) {
    fail(ws, e);
    return;
  }
  const ac = new AbortController();
  let result: WaitResponse | undefined;
  const onExit = (r: WaitResponse) => {
    result = r;
  };
  c.events.once(`exit:${id}`, onExit);

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
    c.events.off(`exit:${id}`, onExit);
    c.events.off(`wake:${id}`, onStart);
    void stdin?.then((w) => w?.end());
  });

  void (async () => {
    try {
      const cur = c.resolve(id);
      const entries = c.logs(id, { follow: true, untilNextExit: true, tail: replay ? undefined : 0, signal: ac.signal });
      if (cur.status === 'exited' && !replay) {
        // nothing will come: docker refuses to attach to a stopped container
        result = { exitCode: cur.exitCode, oomKilled: cur.oomKilled };
      } else {
        for await (const e of entries) {
          if (ws.readyState !== ws.OPEN) break;
          ws.send(frame(e.stream === 'stdout' ? STDOUT : STDERR, e.data));
        }
      }
      const rec = c.repo.get(id);
      const final: WaitResponse = result ?? { exitCode: rec?.exitCode ?? 0, oomKilled: rec?.oomKilled ?? false };
      // `run --rm` returns once the container is gone, as docker's does
      if (rec?.config.autoRemove) await removed(deps, id, 10_000);
      if (final.error && ws.readyState === ws.OPEN) {
        control(ws, { type: 'error', code: 'failed_precondition', message: final.error });
      }
      control(ws, { type: 'exit', exitCode: final.exitCode, oomKilled: final.oomKilled });
      ws.close();
    } catch (e) {
      fail(ws, e);
    }
  })();
}

function removed(deps: ApiDeps, id: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!deps.containers.repo.get(id)) return resolve();
    const done = () => {
      clearTimeout(timer);
      deps.containers.events.off(`removed:${id}`, done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    deps.containers.events.once(`removed:${id}`, done);
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
