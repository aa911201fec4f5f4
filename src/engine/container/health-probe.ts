/**
 * One health probe: the test runs inside the container through the same `runc exec` path as `pure exec`
 * (the init's process settings: user, capabilities, env), with no terminal and no stdin.
 *
 * What the host takes from the container: its stdout and stderr pipes, of which only the first 4 KiB are
 * kept (the rest is read and dropped, so a chatty test cannot block or fill memory), and nothing else. A
 * probe past its timeout is killed by the host pid the runtime wrote to `pidFile` (a host path outside the
 * rootfs, written by runc, never by the container) — and only if /proc says that pid is still a process in
 * this container's cgroup, so a pid reused by the time we look is left alone. Killing `runc exec` itself
 * would not do: runc does not pass SIGKILL on, and the test would keep running in the container.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { HEALTH_OUTPUT_LIMIT, PROBE_NOT_RUN, type ProbeOutcome } from './health.js';

export interface ProbeRunOptions {
  timeoutMs: number;
  /** Aborting kills the probe as a timeout does (the watch ended: the container or the daemon stops). */
  signal?: AbortSignal;
  /** Where the runtime writes the probe's host pid (removed before and after). */
  pidFile: string;
  /** The container's cgroup path (`/pure/<id>`): the pid must still be in it to be killed. */
  cgroupsPath: string;
  /** After the kill, how long to wait for runc to exit before killing runc itself. Default 5 s. */
  reapGraceMs?: number;
}

export async function runProbe(spawn: () => Promise<ChildProcess>, o: ProbeRunOptions): Promise<ProbeOutcome> {
  await rm(o.pidFile, { force: true });
  let child: ChildProcess;
  try {
    child = await spawn();
  } catch (e) {
    return { exitCode: PROBE_NOT_RUN, output: e instanceof Error ? e.message : String(e) };
  }
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const take = (b: Buffer): void => {
    if (keptBytes >= HEALTH_OUTPUT_LIMIT) return;
    const part = b.subarray(0, HEALTH_OUTPUT_LIMIT - keptBytes);
    kept.push(part);
    keptBytes += part.length;
  };
  child.stdin?.end();
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  let timedOut = false;
  let reaper: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (timedOut) return;
    timedOut = true;
    void killProbe(o).finally(() => {
      reaper = setTimeout(() => child.kill('SIGKILL'), o.reapGraceMs ?? 5000);
    });
  };
  const timer = setTimeout(kill, o.timeoutMs);
  o.signal?.addEventListener('abort', kill, { once: true });
  if (o.signal?.aborted) kill();
  try {
    const result = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, error }));
      child.once('close', (code) => resolve({ code }));
    });
    if (timedOut) return { exitCode: PROBE_NOT_RUN, output: `Health check exceeded timeout (${o.timeoutMs}ms)` };
    if (result.error) return { exitCode: PROBE_NOT_RUN, output: result.error.message };
    return { exitCode: result.code ?? PROBE_NOT_RUN, output: Buffer.concat(kept).toString('utf8') };
  } finally {
    clearTimeout(timer);
    clearTimeout(reaper);
    o.signal?.removeEventListener('abort', kill);
    await rm(o.pidFile, { force: true });
  }
}

/** SIGKILL the probe's process if it is still one of the container's (see the file's doc). */
async function killProbe(o: ProbeRunOptions): Promise<void> {
  const pid = Number.parseInt(await readFile(o.pidFile, 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 1) return;
  const cgroups = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  // one line per hierarchy, "N:controllers:/path"; the exec joins every one of the container's
  const inContainer = cgroups.split('\n').some((line) => line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1) === o.cgroupsPath);
  if (!inContainer) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // it exited meanwhile
  }
}
