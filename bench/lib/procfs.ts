/**
 * Memory of processes, read straight from /proc (no pgrep/ps parsing).
 * RSS counts every resident page a process maps, shared ones in full; PSS divides each shared page among the
 * processes mapping it, so summing PSS over many monitors (conmon, containerd-shim) does not count their shared
 * binary and libraries K times. That is why per-container costs use PSS and a daemon's footprint uses RSS.
 */
import { readdir, readFile } from 'node:fs/promises';

export interface ProcessEntry {
  pid: number;
  /** /proc/<pid>/comm: the executable name, at most 15 characters. */
  comm: string;
  argv: string[];
}

export async function listProcesses(): Promise<ProcessEntry[]> {
  const out: ProcessEntry[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = (await readFile(`/proc/${name}/comm`, 'utf8')).trim();
      const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').filter((a) => a !== '');
      out.push({ pid: Number(name), comm, argv });
    } catch {
      // the process exited while we listed: not ours to report
    }
  }
  return out;
}

/** Pids whose comm equals `comm` exactly (e.g. "conmon", "containerd-shim" — comm is cut at 15 chars). */
export async function pidsByComm(comm: string): Promise<number[]> {
  return (await listProcesses()).filter((p) => p.comm === comm).map((p) => p.pid);
}

async function statusField(pid: number, file: string, field: string): Promise<number> {
  const text = await readFile(`/proc/${pid}/${file}`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/${file}`);
  return Number(m[1]) * 1024;
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): Promise<number> {
  return statusField(pid, 'status', 'VmRSS');
}

/** Proportional set size in bytes (Pss of /proc/<pid>/smaps_rollup). */
export function pssBytes(pid: number): Promise<number> {
  return statusField(pid, 'smaps_rollup', 'Pss');
}

export async function sum(pids: readonly number[], measure: (pid: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (const pid of pids) total += await measure(pid);
  return total;
}
