/**
 * The planner: a pure function from (the project, the containers that exist now, the options of `up`) to the
 * steps that make the host match the file. It reads nothing and changes nothing; the applier (apply.ts) runs
 * the plan. Compose's convergence rules:
 *
 *   a replica n of service s is the container `<project>-<s>-<n>` labelled project/service/number/config-hash
 *   missing replica                       → create   (the lowest free numbers)
 *   config hash differs, the image its reference names now is another one (a new pull or tag), or
 *   --force-recreate → recreate (stop, remove, create, start) — unless --no-recreate
 *   same hash, not running                → start
 *   same hash, running                    → keep     ("Running")
 *   more replicas than wanted             → remove   (highest numbers first)
 *   service no longer in the file         → an orphan: a warning, removed only with --remove-orphans
 */
import type { ContainerStatus, ContainerSummary } from '../api/types.js';
import { LABEL_CONFIG_HASH, LABEL_NUMBER, LABEL_ONEOFF, LABEL_PROJECT, LABEL_SERVICE, type StackProject } from './types.js';

export type ContainerStep =
  | { action: 'create'; service: string; number: number; name: string }
  | { action: 'recreate'; service: string; number: number; name: string; id: string; reason: 'configuration changed' | 'image changed' | 'forced' }
  | { action: 'start'; service: string; number: number; name: string; id: string }
  | { action: 'keep'; service: string; number: number; name: string; id: string; state: ContainerStatus }
  | { action: 'remove'; service: string; number: number; name: string; id: string; reason: 'surplus' | 'orphan' };

export interface ServicePlan {
  service: string;
  /** Removals first (highest numbers first), then the kept, recreated and started replicas in number order, then creates. */
  steps: ContainerStep[];
}

export interface StackPlan {
  project: string;
  /** Keys of project.networks the planned services use, in first-use order. */
  networks: string[];
  /** Keys of project.volumes the planned services mount, in first-use order. */
  volumes: string[];
  /** In dependency order. */
  services: ServicePlan[];
  /** Containers of services that are not in the file (or not enabled): warned about. */
  orphans: { id: string; name: string; service: string }[];
  /** The orphans' removals when removeOrphans was asked for, else empty. */
  orphanRemovals: Extract<ContainerStep, { action: 'remove' }>[];
}

export interface PlanOptions {
  /** Services to converge, dependencies first (the loader's serviceOrder). */
  order: readonly string[];
  /** Recreate every planned container even when its configuration is unchanged. Default false. */
  forceRecreate?: boolean;
  /** Never recreate: a changed container is kept (and started if stopped). Default false. */
  noRecreate?: boolean;
  /** Remove containers of services that are not in the file. Default false (they are only reported). */
  removeOrphans?: boolean;
  /** Replicas per service instead of the file's (`scale web=3`). */
  scale?: Readonly<Record<string, number>>;
  /** The id of the image each service's `image:` names now; a container made from another one is recreated. */
  imageIds?: Readonly<Record<string, string>>;
}

/** The engine name of replica n: `<project>-<service>-<n>`. */
export function containerName(project: string, service: string, n: number): string {
  return `${project}-${service}-${n}`;
}

/** The project's containers, by service (one-off `run` containers excluded). */
export function projectContainers(project: string, current: readonly ContainerSummary[]): Map<string, ContainerSummary[]> {
  const out = new Map<string, ContainerSummary[]>();
  for (const c of current) {
    if (c.labels[LABEL_PROJECT] !== project || isOneOff(c) || c.state === 'removing') continue;
    const service = c.labels[LABEL_SERVICE] ?? '';
    out.set(service, [...(out.get(service) ?? []), c]);
  }
  // by number; of two with one number the one with the canonical name first, then the older
  const odd = (c: ContainerSummary): number => (c.name === containerName(project, c.labels[LABEL_SERVICE] ?? '', numberOf(c)) ? 0 : 1);
  for (const list of out.values()) list.sort((a, b) => numberOf(a) - numberOf(b) || odd(a) - odd(b) || a.created.localeCompare(b.created));
  return out;
}

export function numberOf(c: Pick<ContainerSummary, 'labels'>): number {
  const n = Number(c.labels[LABEL_NUMBER]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function isOneOff(c: ContainerSummary): boolean {
  const v = c.labels[LABEL_ONEOFF];
  return v === 'true' || v === 'True';
}

export function planUp(project: StackProject, current: readonly ContainerSummary[], opts: PlanOptions): StackPlan {
  const byService = projectContainers(project.name, current);
  const networks: string[] = [];
  const volumes: string[] = [];
  const services: ServicePlan[] = [];
  for (const name of opts.order) {
    const svc = project.services[name];
    if (!svc) continue;
    if (svc.networkMode === undefined) for (const key of Object.keys(svc.networks)) if (!networks.includes(key)) networks.push(key);
    for (const m of svc.mounts) if (m.type === 'volume' && m.source !== undefined && !volumes.includes(m.source)) volumes.push(m.source);
    const wanted = Math.max(0, opts.scale?.[name] ?? svc.replicas);
    services.push({ service: name, steps: planService(project.name, name, { hash: svc.configHash, imageId: opts.imageIds?.[name] }, byService.get(name) ?? [], wanted, opts) });
  }
  const orphans = [...byService.entries()]
    .filter(([service]) => !(service in project.services))
    .flatMap(([service, list]) => list.map((c) => ({ id: c.id, name: c.name, service, number: numberOf(c) })));
  const orphanRemovals: StackPlan['orphanRemovals'] = opts.removeOrphans
    ? orphans.map((o) => ({ action: 'remove', service: o.service, number: o.number, name: o.name, id: o.id, reason: 'orphan' }))
    : [];
  return { project: project.name, networks, volumes, services, orphans: orphans.map(({ id, name, service }) => ({ id, name, service })), orphanRemovals };
}

function planService(
  project: string,
  service: string,
  want: { hash: string; imageId: string | undefined },
  existing: readonly ContainerSummary[],
  wanted: number,
  opts: PlanOptions,
): ContainerStep[] {
  // one container per number: a duplicate (a copy made by hand, a crash mid-recreate) counts as surplus
  const seen = new Set<number>();
  const usable: ContainerSummary[] = [];
  const surplus: ContainerSummary[] = [];
  for (const c of existing) {
    const n = numberOf(c);
    if (n === 0 || seen.has(n)) surplus.push(c);
    else {
      seen.add(n);
      usable.push(c);
    }
  }
  const kept = usable.slice(0, wanted);
  surplus.push(...usable.slice(wanted));
  const steps: ContainerStep[] = surplus
    .sort((a, b) => numberOf(b) - numberOf(a))
    .map((c) => ({ action: 'remove', service, number: numberOf(c), name: c.name, id: c.id, reason: 'surplus' }));
  for (const c of kept) {
    const base = { service, number: numberOf(c), name: c.name, id: c.id };
    const changed = c.labels[LABEL_CONFIG_HASH] !== want.hash;
    const newImage = want.imageId !== undefined && c.imageId !== want.imageId;
    if (!opts.noRecreate && (opts.forceRecreate || changed || newImage || c.state === 'dead')) {
      const reason = changed ? 'configuration changed' : newImage ? 'image changed' : opts.forceRecreate ? 'forced' : 'configuration changed';
      steps.push({ action: 'recreate', ...base, reason });
    } else if (c.state === 'running' || c.state === 'paused' || c.state === 'restarting') {
      steps.push({ action: 'keep', ...base, state: c.state });
    } else {
      steps.push({ action: 'start', ...base });
    }
  }
  const used = new Set(kept.map(numberOf));
  for (let n = 1, missing = wanted - kept.length; missing > 0; n++) {
    if (used.has(n)) continue;
    steps.push({ action: 'create', service, number: n, name: containerName(project, service, n) });
    missing--;
  }
  return steps;
}

/** True when the plan changes nothing: every step keeps a running container. */
export function isNoop(plan: StackPlan): boolean {
  return plan.orphanRemovals.length === 0 && plan.services.every((s) => s.steps.every((st) => st.action === 'keep'));
}
