/**
 * Host memory an idle container costs beyond its own processes: start K `sleep 3600` containers, then
 * per container = (PSS of the K per-container monitor processes + growth of the daemons' RSS) / K.
 *
 * Monitors are found by their comm (conmon, containerd-shim) AND by having the container's id in their argv,
 * so monitors of other engines, or of tests running beside the benchmark, are never counted. PSS, not RSS, is
 * summed over monitors so their shared binary and libraries count once, not K times (see procfs.ts).
 * The daemon growth is RSS after minus RSS before; it can be negative when a GC ran — reported as measured.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Internal, codeOf, messageOf } from '../../src/errors/index.js';
import { listProcesses, pssBytes, rssBytes, sum } from './procfs.js';

export interface FootprintSubject {
  name: string;
  /** comm of the per-container monitor process: "conmon", "containerd-shim" (comm is cut at 15 chars). */
  monitorComm: string;
  /** Throws `Unavailable` with the reason when this engine cannot run here. */
  ready(): Promise<void>;
  /** Pids of the long-lived daemons whose growth is charged to the containers (none for podman). */
  daemonPids(): Promise<number[]>;
  /** Start one idle container; returns its full id (as it appears in the monitor's argv). */
  startIdle(): Promise<string>;
  /** Remove a container, killing it. */
  remove(id: string): Promise<void>;
}

export interface FootprintResult {
  name: string;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  containers: number;
  daemonPids: number[];
  daemonIdleRssBytes: number | null;
  daemonGrowthBytes: number | null;
  monitorCount: number | null;
  monitorPssBytes: number | null;
  perContainerBytes: number | null;
  cleanupErrors: string[];
}

export const MAX_CONTAINERS = 200;

export async function measureIdleFootprint(subject: FootprintSubject, containers: number, opts: { settleMs?: number; log?: (l: string) => void } = {}): Promise<FootprintResult> {
  const log = opts.log ?? (() => {});
  const result: FootprintResult = {
    name: subject.name,
    status: 'ok',
    containers,
    daemonPids: [],
    daemonIdleRssBytes: null,
    daemonGrowthBytes: null,
    monitorCount: null,
    monitorPssBytes: null,
    perContainerBytes: null,
    cleanupErrors: [],
  };
  if (!Number.isInteger(containers) || containers < 1 || containers > MAX_CONTAINERS) {
    throw new Internal(`containers must be 1..${MAX_CONTAINERS}, got ${containers}`);
  }
  try {
    await subject.ready();
  } catch (e) {
    return { ...result, status: 'skipped', reason: codeOf(e) === 'unavailable' ? messageOf(e) : `not ready: ${messageOf(e)}` };
  }

  const ids: string[] = [];
  try {
    result.daemonPids = await subject.daemonPids();
    const before = await sum(result.daemonPids, rssBytes);
    result.daemonIdleRssBytes = before;
    for (let i = 0; i < containers; i++) {
      ids.push(await subject.startIdle());
      if ((i + 1) % 5 === 0) log(`${subject.name}: ${i + 1}/${containers} started`);
    }
    // Let the monitors and daemons finish their post-start work (log setup, state writes) before reading.
    await sleep(opts.settleMs ?? 2000);
    const monitors = (await listProcesses()).filter((p) => p.comm === subject.monitorComm && ids.some((id) => p.argv.some((a) => a.includes(id))));
    if (monitors.length !== containers) {
      throw new Internal(`found ${monitors.length} ${subject.monitorComm} processes for ${containers} containers`);
    }
    result.monitorCount = monitors.length;
    result.monitorPssBytes = await sum(
      monitors.map((m) => m.pid),
      pssBytes,
    );
    result.daemonGrowthBytes = (await sum(result.daemonPids, rssBytes)) - before;
    result.perContainerBytes = (result.monitorPssBytes + result.daemonGrowthBytes) / containers;
  } catch (e) {
    result.status = 'failed';
    result.reason = messageOf(e);
  } finally {
    for (const id of ids) {
      await subject.remove(id).catch((e: unknown) => result.cleanupErrors.push(`${id}: ${messageOf(e)}`));
    }
  }
  return result;
}
