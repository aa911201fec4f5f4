/**
 * Starting a created runc container without a `runc start` process.
 *
 * `runc create` leaves the container's init (`runc init`) blocked opening `<root>/<id>/exec.fifo` for
 * writing. `runc start` does, for a created container, exactly this and nothing else: it opens the fifo for
 * reading, reads until the write end closes (init writes one byte, then the close-on-exec fd closes when init
 * execs the user's program), and removes the fifo, which is what makes `runc state` say running
 * (libcontainer's Container.exec and handleFifoResult). Doing it in the daemon saves a Go process, ~7 ms of
 * every start on the 2-core test VM.
 *
 * The fifo's path is runc's own layout, not a contract: when it is not there (another runtime, a runc that
 * changed it), `startViaExecFifo` says so and the caller runs the runtime's `start`.
 */
import { constants, openSync, readFileSync, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { Conflict } from '../../errors/index.js';

/** How often to check that init is still alive while nothing has come through the fifo (runc: 100 ms). */
const LIVENESS_MS = 100;

/**
 * Open the fifo (never blocking: a reader may open a fifo before any writer), read it to its end, remove
 * it. Resolves false when the container has no exec fifo; rejects with Conflict when init died before it
 * wrote, as `runc start` fails then.
 */
export async function startViaExecFifo(runtimeRoot: string, id: string): Promise<boolean> {
  const dir = join(runtimeRoot, id);
  const path = join(dir, 'exec.fifo');
  let fd: number;
  try {
    // (libuv adds O_CLOEXEC itself)
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  // libuv polls the fifo: nothing is reported until init opens it and writes; the end comes at its exec.
  const fifo = new Socket({ fd, readable: true, writable: false });
  const received = await new Promise<number>((resolve, reject) => {
    let bytes = 0;
    const timer = setInterval(() => {
      if (initAlive(dir)) return;
      // init is gone: what it wrote (if anything) is already in the pipe, and its end is closed
      setImmediate(() => {
        clearInterval(timer);
        resolve(bytes);
      });
    }, LIVENESS_MS);
    fifo.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    fifo.once('end', () => {
      clearInterval(timer);
      resolve(bytes);
    });
    fifo.once('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
  }).finally(() => fifo.destroy());
  if (received === 0) throw new Conflict(`cannot start container "${id}": its init process is already dead`);
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return true;
}

/** Whether the container's init (state.json's init_process_pid) is alive and not a zombie. */
function initAlive(stateDir: string): boolean {
  try {
    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { init_process_pid?: number };
    const pid = state.init_process_pid ?? 0;
    if (pid <= 0) return false;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the state is the field after the parenthesised command name, which may itself contain spaces
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
