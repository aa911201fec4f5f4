/**
 * Talking to a running conmon: its attach socket (stdin) and its ctl fifo (terminal size).
 *
 * The attach socket `<socketDir>/<id>/attach` is a unix SOCK_SEQPACKET socket, which Node cannot open, so
 * socat bridges it (`type=5` is SOCK_SEQPACKET). Bytes a client sends become the container's stdin;
 * when the client disconnects conmon closes the container's stdin (unless --leave-stdin-open), so
 * ending the returned stream gives the program EOF. What conmon sends back (output framed with a
 * one-byte stream tag) is discarded: output is read from the log file.
 *
 * socat runs with its working directory at `<socketDir>/<id>` and connects to the relative name
 * `attach`, so the 108-byte sun_path limit never bites, whatever the socket dir.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { FailedPrecondition, InvalidArgument } from '../../errors/index.js';

export const SOCAT = '/usr/bin/socat';

export interface StdinAttachment {
  /** Write the container's stdin here; `end()` closes it (the program reads EOF). */
  stdin: Writable;
  /** Resolves when the bridge has gone (after `end()`, or when conmon closed the socket). */
  closed: Promise<void>;
}

/**
 * Open the stdin of a container created with `stdin: true`.
 * Rejects `closed` with FailedPrecondition when the attach socket cannot be reached.
 */
export function openStdin(socketDir: string, id: string): StdinAttachment {
  const child = spawn(SOCAT, ['-', 'UNIX-CONNECT:attach,type=5'], {
    cwd: join(socketDir, id),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  child.stdin.on('error', () => undefined);
  const closed = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new FailedPrecondition(`cannot attach to container "${id}": ${e.message}`, { cause: e })));
    child.once('close', (code) => {
      if (code === 0) return resolve();
      const why = Buffer.concat(stderr).toString('utf8').trim().split('\n').pop() ?? `socat exit ${code}`;
      reject(new FailedPrecondition(`cannot attach to container "${id}": ${why}`));
    });
  });
  closed.catch(() => undefined);
  return { stdin: child.stdin, closed };
}

/**
 * Set the terminal size of a container created with `terminal: true`, through conmon's ctl fifo
 * (`<bundle>/ctl`, message `1 <rows> <cols>\n`: type 1 is a window resize in conmon's ctrl.c).
 */
export async function resize(bundle: string, rows: number, cols: number): Promise<void> {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0 || rows > 65535 || cols > 65535) {
    throw new InvalidArgument(`invalid terminal size ${rows}x${cols}`);
  }
  // O_NONBLOCK: with no conmon reading the fifo, open fails (ENXIO) instead of hanging forever.
  let fh;
  try {
    fh = await open(join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new FailedPrecondition(`cannot resize terminal: conmon is not running for bundle ${bundle}`, { cause: e });
  }
  try {
    await fh.write(`1 ${rows} ${cols}\n`);
  } finally {
    await fh.close();
  }
}
