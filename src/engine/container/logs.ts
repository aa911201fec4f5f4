/**
 * Reading a container's log, which conmon writes in the k8s-file format, one record a line:
 *   2024-05-01T10:00:00.123456789+00:00 stdout F hello
 * ("F" a full line, "P" a partial one whose continuation follows). stdout and stderr stay apart.
 */
import { open, stat } from 'node:fs/promises';
import { watch } from 'node:fs';
import type { EventEmitter } from 'node:events';
import type { LogEntry } from '../../api/types.js';

export function parseLogLine(line: string): LogEntry | null {
  const s1 = line.indexOf(' ');
  const s2 = line.indexOf(' ', s1 + 1);
  const s3 = line.indexOf(' ', s2 + 1);
  if (s1 < 0 || s2 < 0) return null;
  const stream = line.slice(s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return null;
  const tag = s3 < 0 ? line.slice(s2 + 1) : line.slice(s2 + 1, s3);
  const content = s3 < 0 ? '' : line.slice(s3 + 1);
  return { stream, time: line.slice(0, s1), data: tag.startsWith('P') ? content : `${content}\n` };
}

export interface ReadLogOptions {
  tail?: number; // last N lines; undefined = all
  stdout?: boolean;
  stderr?: boolean;
  /** Keep reading as the file grows until `isDone()` says the writer is finished and the end is reached. */
  follow?: boolean;
  isDone?: () => boolean;
  /** Subscribe to wake-ups (the container started or exited) so a follower does not wait for its poll. */
  onWake?: (wake: () => void) => () => void;
  signal?: AbortSignal;
}

/** Yield log entries from `path`; with `follow`, wait for more until isDone() (checked at EOF). */
export async function* readLog(path: string, opts: ReadLogOptions = {}): AsyncGenerator<LogEntry> {
  const want = (e: LogEntry) => (e.stream === 'stdout' ? opts.stdout !== false : opts.stderr !== false);
  let fh = await open(path, 'r').catch(() => undefined);
  if (!fh && !opts.follow) return;
  // the log appears when the container first starts: open it before deciding the writer is done
  while (!fh) {
    const done = opts.isDone?.() ?? false;
    fh = await open(path, 'r').catch(() => undefined);
    if (fh) break;
    if (done || opts.signal?.aborted) return;
    await waitForChange(path, opts);
  }
  try {
    let pos = 0;
    let rest = '';
    if (opts.tail !== undefined) {
      const { size } = await fh.stat();
      const text = (await fh.readFile()).toString('utf8');
      pos = size;
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      const entries = lines.map(parseLogLine).filter((e): e is LogEntry => e !== null && want(e));
      for (const e of opts.tail === 0 ? [] : entries.slice(-opts.tail)) yield e;
    }
    const buf = Buffer.alloc(256 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        const lines = (rest + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const e = parseLogLine(line);
          if (e && want(e)) yield e;
        }
        continue;
      }
      if (!opts.follow || opts.signal?.aborted) return;
      if (opts.isDone?.()) {
        // one last read: the writer may have flushed between our read and the check
        const again = await fh.read(buf, 0, buf.length, pos);
        if (again.bytesRead === 0) return;
        pos += again.bytesRead;
        const lines = (rest + buf.subarray(0, again.bytesRead).toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const e = parseLogLine(line);
          if (e && want(e)) yield e;
        }
        continue;
      }
      await waitForChange(path, opts);
    }
  } finally {
    await fh.close();
  }
}

/** Resolve on the next change of `path` (inotify), a wake-up, or after 200 ms, whichever comes first. */
function waitForChange(path: string, opts: ReadLogOptions): Promise<void> {
  const { signal } = opts;
  return new Promise((resolve) => {
    let w: ReturnType<typeof watch> | undefined;
    const done = () => {
      clearTimeout(timer);
      w?.close();
      unsubscribe?.();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, 200);
    const unsubscribe = opts.onWake?.(done);
    try {
      w = watch(path, done);
      w.on('error', done);
    } catch {
      // the file does not exist yet: the timer polls
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function logSize(path: string): Promise<number> {
  return (await stat(path).catch(() => ({ size: 0 }))).size;
}

/**
 * A container's log as the service serves it: follows until the container stops, or with `untilNextExit`
 * (attach) until its next exit; woken at once by the service's `wake:<id>` and `exit:<id>` events.
 * `isRunning` answers undefined once the container is gone.
 */
export function followLog(
  events: EventEmitter,
  path: string,
  opts: Omit<ReadLogOptions, 'isDone' | 'onWake'> & { untilNextExit?: boolean },
  c: { id: string; isRunning: () => boolean | undefined },
): AsyncGenerator<LogEntry> {
  let exited = false;
  const onExit = () => {
    exited = true;
  };
  if (opts.untilNextExit) events.once(`exit:${c.id}`, onExit);
  const isDone = () => {
    const running = c.isRunning();
    return opts.untilNextExit ? exited || running === undefined : running !== true;
  };
  const onWake = (wake: () => void) => {
    events.on(`wake:${c.id}`, wake);
    return () => events.off(`wake:${c.id}`, wake);
  };
  const gen = readLog(path, { ...opts, isDone, onWake });
  return (async function* () {
    try {
      yield* gen;
    } finally {
      events.off(`exit:${c.id}`, onExit);
    }
  })();
}
