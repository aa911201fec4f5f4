/**
 * conmon's `k8s-file` log format (the CRI log format): one line per chunk,
 * `<RFC3339Nano time> <stdout|stderr> <F|P> <content>`; `P` marks a partial line whose rest follows in
 * the next entry of the same stream (conmon splits lines longer than its buffer), `F` a full line.
 */
import { readFile } from 'node:fs/promises';

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  /** RFC 3339 with nanoseconds, as conmon wrote it. */
  time: string;
  stream: LogStream;
  /** True for a `P` entry: the line continues in the next entry. */
  partial: boolean;
  /** The bytes of the line, without the newline. */
  content: string;
}

const LINE = /^(\S+) (stdout|stderr) (F|P) ?(.*)$/s;

/** Parse one k8s-file line; null for anything else (a torn last line, garbage). */
export function parseLogLine(line: string): LogEntry | null {
  const m = LINE.exec(line.endsWith('\n') ? line.slice(0, -1) : line);
  if (!m) return null;
  return { time: m[1]!, stream: m[2] as LogStream, partial: m[3] === 'P', content: m[4] ?? '' };
}

/**
 * Join partial entries into whole lines, per stream. A trailing partial (the program has not finished
 * its line yet) is kept as it is.
 */
export function mergePartials(entries: readonly LogEntry[]): LogEntry[] {
  const out: LogEntry[] = [];
  const pending = new Map<LogStream, LogEntry>();
  for (const e of entries) {
    const head = pending.get(e.stream);
    const joined = head ? { ...head, content: head.content + e.content, partial: e.partial } : { ...e };
    if (joined.partial) {
      pending.set(e.stream, joined);
    } else {
      pending.delete(e.stream);
      out.push(joined);
    }
  }
  for (const rest of pending.values()) out.push(rest);
  return out;
}

/** Read a k8s-file log; with `merge` (default true) partial entries are joined into whole lines. */
export async function readLog(logPath: string, opts: { merge?: boolean } = {}): Promise<LogEntry[]> {
  let text: string;
  try {
    text = await readFile(logPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const entries = text
    .split('\n')
    .map((l) => parseLogLine(l))
    .filter((e): e is LogEntry => e !== null);
  return (opts.merge ?? true) ? mergePartials(entries) : entries;
}

/**
 * runc 1.1 checks the executable at create, but an exec that fails later (a script whose interpreter is
 * missing, a wrong-architecture binary) happens after `runc start` returned 0: runc's init writes
 * `exec <path>: <errno text>` to the container's stderr and exits 1. That line, when it is the first
 * thing on stderr, is the reason to show for a container that "started" and died at once.
 */
export function execFailureOf(entries: readonly LogEntry[]): string | null {
  const first = entries.find((e) => e.stream === 'stderr');
  if (!first || entries.some((e) => e.stream === 'stdout')) return null;
  return /^exec \S.*: .+$/.test(first.content) ? first.content : null;
}
