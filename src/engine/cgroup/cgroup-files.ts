/** Parsers for cgroup control files (pure functions over their text, so they are unit-testable anywhere). */

/** Values at or above this are the kernel's "no limit" (v1 prints 9223372036854771712, PAGE_COUNTER_MAX). */
const UNLIMITED_THRESHOLD = 2 ** 62;

/** "123\n" → 123; "max" or a v1 near-2^63 value → null. */
export function parseLimit(text: string): number | null {
  const t = text.trim();
  if (t === 'max' || t === '') return null;
  const n = Number(t);
  if (!Number.isFinite(n) || n >= UNLIMITED_THRESHOLD) return null;
  return n;
}

/** Flat "key value" files: memory.stat, cpu.stat, memory.events, memory.oom_control, cpuacct.stat. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** v1 blkio.throttle.io_service_bytes: "8:0 Read 4096" lines (and "Total N"); summed over devices. */
export function parseBlkioServiceBytes(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const [, op, v] = line.trim().split(/\s+/);
    if (op === 'Read') read += Number(v) || 0;
    else if (op === 'Write') write += Number(v) || 0;
  }
  return { read, write };
}

/** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=…" lines, summed over devices. */
export function parseIoStat(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    for (const field of line.trim().split(/\s+/).slice(1)) {
      const [k, v] = field.split('=');
      if (k === 'rbytes') read += Number(v) || 0;
      else if (k === 'wbytes') write += Number(v) || 0;
    }
  }
  return { read, write };
}
