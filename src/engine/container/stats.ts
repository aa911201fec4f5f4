/** `stats`: two cgroup samples 100 ms apart give the CPU percentage, as docker's precpu/cpu pair does. */
import { availableParallelism, totalmem } from 'node:os';
import type { ContainerStats } from '../../api/types.js';
import type { CgroupPort } from './ports.js';
import type { ContainerRecord } from './record.js';

export async function sampleStats(cgroups: CgroupPort, cgroupsPath: string, rec: ContainerRecord, now: string): Promise<ContainerStats> {
  const a = rec.status === 'running' || rec.status === 'paused' ? await cgroups.stats(cgroupsPath) : null;
  let cpuPercent = 0;
  let b = a;
  if (a) {
    const t0 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, 100));
    b = (await cgroups.stats(cgroupsPath)) ?? a;
    const dt = Number(process.hrtime.bigint() - t0);
    cpuPercent = dt > 0 ? ((b.cpuUsageNs - a.cpuUsageNs) / dt) * 100 : 0;
  }
  const limit = b?.memoryLimit && b.memoryLimit < totalmem() ? b.memoryLimit : totalmem();
  const usage = b?.memoryUsage ?? 0;
  return {
    id: rec.id,
    name: rec.name,
    read: now,
    cpuPercent: Math.max(0, cpuPercent),
    cpuUsageNs: b?.cpuUsageNs ?? 0,
    onlineCpus: availableParallelism(),
    memoryUsage: usage,
    memoryLimit: limit,
    memoryPercent: limit > 0 ? (usage / limit) * 100 : 0,
    pids: b?.pids ?? 0,
    blkioRead: b?.blkioRead ?? 0,
    blkioWrite: b?.blkioWrite ?? 0,
  };
}
