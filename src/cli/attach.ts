/**
 * One attach (or exec) WebSocket: the framing of src/api/types.ts on the client side.
 *   server → client  binary [1|2, bytes...] → stdout | stderr;  text {"type":"exit"} | {"type":"error"}
 *   client → server  binary stdin bytes;  text {"type":"resize"} | {"type":"eof"}
 * This module (and with it `ws`, whose import is the costliest part of the CLI) is itself imported lazily by the
 * commands that stream, so `ps` or `rm` never pay for it; `run` starts loading it while the create request is
 * in flight.
 */
import type { Writable } from 'node:stream';
import WebSocket from 'ws';
import { PureError, Unavailable, ERROR_CODES, type ErrorCode } from '../errors/index.js';
import type { AttachControl } from '../api/types.js';

export interface ExitStatus {
  exitCode: number;
  oomKilled: boolean;
}

export interface AttachOutput {
  stdout: Writable;
  stderr: Writable;
}

export class AttachSession {
  private readonly exited: Promise<ExitStatus>;

  private constructor(private readonly socket: WebSocket, out: AttachOutput) {
    this.exited = new Promise<ExitStatus>((resolve, reject) => {
      let done = false;
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) {
          const stream = data[0] === 2 ? out.stderr : out.stdout;
          if (data.length > 1) stream.write(data.subarray(1));
          return;
        }
        const frame = parseControl(data.toString('utf8'));
        if (frame?.type === 'exit') {
          done = true;
          resolve({ exitCode: frame.exitCode, oomKilled: frame.oomKilled });
        } else if (frame?.type === 'error') {
          done = true;
          const code: ErrorCode = ERROR_CODES.includes(frame.code) ? frame.code : 'internal';
          reject(new PureError(code, frame.message));
        }
      });
      socket.on('close', () => {
        if (!done) reject(new Unavailable('the attach connection closed before the process exited'));
      });
      socket.on('error', (err) => {
        if (!done) reject(new Unavailable(`attach connection failed: ${err.message}`, { cause: err }));
      });
    });
    // The caller may never await `wait()` (start failed); keep an unobserved rejection from crashing the CLI.
    this.exited.catch(() => undefined);
  }

  /** Connect to `url` (see ApiClient.wsUrl); resolves once the socket is open, so nothing is missed after it. */
  static async open(url: string, out: AttachOutput): Promise<AttachSession> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    // Listen for frames before 'open' settles: the first frames can arrive in the same read as the handshake.
    const session = new AttachSession(socket, out);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let body: { code?: ErrorCode; message?: string } = {};
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
          } catch {
            // not JSON: fall through to the status line
          }
          const code: ErrorCode = body.code && ERROR_CODES.includes(body.code) ? body.code : 'internal';
          reject(new PureError(code, body.message ?? `attach refused: HTTP ${res.statusCode ?? '?'}`));
        });
      });
      socket.once('error', (err) => reject(connectError(err, url)));
    });
    return session;
  }

  /** Resolves with the exit frame; rejects on an error frame or when the socket closes without one. */
  wait(): Promise<ExitStatus> {
    return this.exited;
  }

  resize(rows: number, cols: number): void {
    this.sendControl({ type: 'resize', rows, cols });
  }

  /** Forward `input` as stdin frames, then `{"type":"eof"}` when it ends. */
  forwardStdin(input: NodeJS.ReadableStream): void {
    input.on('data', (chunk: Buffer | string) => {
      if (this.socket.readyState === this.socket.OPEN) this.socket.send(Buffer.from(chunk), { binary: true });
    });
    input.on('end', () => this.sendControl({ type: 'eof' }));
  }

  close(): void {
    this.socket.close();
  }

  private sendControl(frame: AttachControl): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(frame));
  }
}

function parseControl(text: string): AttachControl | undefined {
  try {
    return JSON.parse(text) as AttachControl;
  } catch {
    return undefined;
  }
}

function connectError(err: Error, url: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const socketPath = url.replace(/^ws\+unix:\/\//, '').replace(/:\/.*$/, '');
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new Unavailable(
      `cannot connect to the Pure daemon at ${socketPath}: is it running? (start it with: pure daemon &)`,
      { cause: err },
    );
  }
  return new Unavailable(`attach connection failed: ${err.message}`, { cause: err });
}

/**
 * Put the local terminal in raw mode (keys go to the container, Ctrl-C included) and return the undo.
 * The undo is also hooked to process exit, so every exit path leaves the terminal usable.
 */
export function enterRawMode(stdin: NodeJS.ReadStream): () => void {
  if (!stdin.isTTY) return () => undefined;
  stdin.setRawMode(true);
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdin.setRawMode(false);
  };
  process.once('exit', restore);
  return restore;
}
