/**
 * Reconciliation at daemon start: make the records, runc, conmon, mounts and cgroups agree again after the
 * daemon died at any moment (kill -9 included).
 *
 *  1. Left-over intents: an unfinished create is undone; an unfinished remove is finished; an unfinished start
 *     is settled from what runc says (running → keep it; created-but-not-started → delete it).
 *  2. Records that say running/paused: runc's state decides — still alive stays; exited while we were away is
 *     finished from conmon's exit file (exit code kept); unknown to runc → exited with an error.
 *  3. Anything Pure made that no record owns — runc containers, snapshots (mounts), cgroups under /pure — is
 *     removed.
 *  4. Restart policies `always` and `unless-stopped` bring back containers that should run.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { isActive } from './lifecycle.js';
import { shouldRestart } from './restart-policy.js';
import type { ContainerService } from './service.js';
import type { CgroupPort, MonitorPort, RuntimePort, SnapshotPort } from './ports.js';

export interface RecoveryReport {
  undoneCreates: string[];
  finishedRemoves: string[];
  exitedWhileAway: string[];
  lost: string[];
  orphans: string[];
  restarted: string[];
}

export interface RecoveryDeps {
  root: string;
  service: ContainerService;
  runtime: RuntimePort;
  monitor: MonitorPort;
  snapshotter: SnapshotPort;
  cgroups: CgroupPort;
  /** Releases netns, endpoints and IPAM leases of containers that do not run (src/engine/network). */
  network?: { reconcile(active: ReadonlySet<string>, known: ReadonlySet<string>): Promise<string[]> };
}

export async function recoverContainers(d: RecoveryDeps): Promise<RecoveryReport> {
  const { service, runtime, monitor } = d;
  const repo = service.repo;
  const report: RecoveryReport = { undoneCreates: [], finishedRemoves: [], exitedWhileAway: [], lost: [], orphans: [], restarted: [] };

  for (const intent of repo.intents()) {
    const rec = repo.get(intent.containerId);
    if (intent.op === 'create') {
      await runtime.delete(intent.containerId, { force: true }).catch(() => undefined);
      await d.snapshotter.remove(intent.containerId).catch(() => undefined);
      await rm(service.dir(intent.containerId), { recursive: true, force: true });
      repo.delete(intent.containerId);
      report.undoneCreates.push(intent.containerId);
      continue;
    }
    if (intent.op === 'remove') {
      await service.finishRemove(intent.containerId);
      report.finishedRemoves.push(intent.containerId);
      continue;
    }
    // start: runc may have the container created but never started
    const st = await runtime.state(intent.containerId).catch(() => null);
    if (rec && st?.status === 'created') {
      await runtime.delete(rec.id, { force: true }).catch(() => undefined);
      await monitor.cleanup(rec.id).catch(() => undefined);
      await monitor.clearExit(rec.id).catch(() => undefined);
      rec.status = rec.startedAt ? 'exited' : 'created';
      rec.error = 'the daemon stopped while the container was starting';
      rec.pid = 0;
      repo.update(rec);
    } else if (rec && st && (st.status === 'running' || st.status === 'paused') && !isActive(rec.status)) {
      rec.status = st.status;
      rec.pid = st.pid;
      rec.startedAt ??= new Date().toISOString();
      repo.update(rec);
    }
    repo.completeIntent(intent.id);
  }

  const known = new Set<string>();
  for (const rec of repo.list()) {
    known.add(rec.id);
    if (rec.status === 'removing') {
      await service.finishRemove(rec.id);
      report.finishedRemoves.push(rec.id);
      known.delete(rec.id);
      continue;
    }
    if (!isActive(rec.status)) continue;
    const st = await runtime.state(rec.id).catch(() => null);
    if (st && (st.status === 'running' || st.status === 'paused')) {
      if (rec.status !== st.status && rec.status !== 'restarting') {
        rec.status = st.status;
        repo.update(rec);
      }
      if (rec.status === 'restarting') {
        rec.status = st.status;
        repo.update(rec);
      }
      continue;
    }
    const code = await monitor.readExitCode(rec.id);
    if (code !== null || st) {
      await service.handleExit(rec.id, code ?? 255);
      report.exitedWhileAway.push(rec.id);
    } else if (rec.status === 'restarting') {
      rec.status = 'exited';
      repo.update(rec);
    } else {
      rec.error = 'the container was lost while the daemon was down (no runtime state, no exit file)';
      rec.status = 'running'; // so handleExit records it
      repo.update(rec);
      await service.handleExit(rec.id, 255);
      report.lost.push(rec.id);
    }
  }

  // runc containers, snapshots and cgroups that no record owns
  for (const id of await runtime.list().catch(() => [] as string[])) {
    if (known.has(id)) continue;
    await runtime.delete(id, { force: true }).catch(() => undefined);
    report.orphans.push(`runc:${id}`);
  }
  for (const key of await d.snapshotter.list().catch(() => [] as string[])) {
    if (known.has(key)) continue;
    await d.snapshotter.remove(key).catch(() => undefined);
    report.orphans.push(`snapshot:${key}`);
  }
  const containersDir = join(d.root, 'containers');
  for (const name of await readdir(containersDir).catch(() => [] as string[])) {
    if (known.has(name)) continue;
    await d.snapshotter.remove(name).catch(() => undefined);
    await rm(join(containersDir, name), { recursive: true, force: true });
  }
  for (const path of await d.cgroups.list().catch(() => [] as string[])) {
    const id = path.split('/').pop() ?? '';
    if (known.has(id) && isActive(repo.get(id)?.status ?? 'exited')) continue;
    await d.cgroups.remove(path).catch(() => undefined);
    report.orphans.push(`cgroup:${path}`);
  }

  if (d.network) {
    const all = repo.list();
    const running = new Set(all.filter((r) => r.status === 'running' || r.status === 'paused').map((r) => r.id));
    report.orphans.push(...(await d.network.reconcile(running, new Set(all.map((r) => r.id)))));
  }

  // docker brings back `always` and `unless-stopped` containers when the daemon starts
  for (const rec of repo.list()) {
    if (rec.status !== 'exited') continue;
    const policy = rec.config.restartPolicy;
    if (shouldRestart(policy, { exitCode: rec.exitCode, restartCount: rec.restartCount, manuallyStopped: rec.manuallyStopped, daemonStart: true })) {
      service.scheduleRestart(rec.id, 0);
      report.restarted.push(rec.id);
    }
  }
  return report;
}
