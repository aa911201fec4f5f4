/**
 * The applier: runs a StackPlan against the engine, reporting each step as a StackLine.
 *
 *   externals checked (a missing external network or volume: nothing is made)
 *   → orphans reported (removed with --remove-orphans)
 *   → networks, volumes (labelled with the project and their key)
 *   → per service, dependencies first:
 *        wait for each dependency's condition (events, no polling) when the service starts anything
 *        → remove surplus replicas → recreate (stop, remove, create) / create → connect extra networks → start
 *        (a kept container whose depends_on names a recreated dependency with `restart: true` is restarted)
 *   → with --wait: every planned container running, healthy, or exited 0
 *
 * A failure stops the run and is reported; what was made before it stays (Compose's behaviour). Each engine
 * call is itself atomic, so no half-made container, network or volume is left.
 */
import { Conflict, NotFound, messageOf } from '../errors/index.js';
import type { ContainerCreateRequest, ContainerInspect, StackLine } from '../api/types.js';
import type { ContainerStep, StackPlan } from './plan.js';
import type { EventSource, StackEngine, StackLoader } from './ports.js';
import { LABEL_CONFIG_HASH, LABEL_NETWORK, LABEL_NUMBER, LABEL_PROJECT, LABEL_SERVICE, LABEL_VOLUME, type DependsCondition, type StackDependency, type StackProject } from './types.js';
import { completedVerdict, healthyVerdict, startedVerdict, verdictFor, waitForContainers, type Verdict } from './wait.js';

export interface ApplyContext {
  engine: StackEngine;
  loader: StackLoader;
  events: EventSource;
  emit: (line: StackLine) => void;
  signal?: AbortSignal;
}

export interface ApplyOptions {
  /** Wait, after starting, until every planned container is running, healthy, or exited 0. */
  wait?: boolean;
  timeoutMs?: number;
}

type Progress = Extract<StackLine, { type: 'progress' }>;

function progress(ctx: Pick<ApplyContext, 'emit'>, resource: Progress['resource'], name: string, action: Progress['action'], message?: string): void {
  ctx.emit({ type: 'progress', resource, name, action, ...(message !== undefined ? { message } : {}) });
}

/** Nothing is made when an external network or volume is missing: checked before the first step. */
export function checkExternals(ctx: ApplyContext, project: StackProject, plan: StackPlan): void {
  for (const key of plan.networks) {
    const n = project.networks[key];
    if (!n?.external) continue;
    try {
      ctx.engine.networks.inspect(n.name);
    } catch (e) {
      if (e instanceof NotFound) throw new NotFound(`network "${n.name}" declared as external, but could not be found`, { cause: e });
      throw e;
    }
  }
  for (const key of plan.volumes) {
    const v = project.volumes[key];
    if (!v?.external) continue;
    try {
      ctx.engine.volumes.get(v.name);
    } catch (e) {
      if (e instanceof NotFound) throw new NotFound(`external volume "${v.name}" not found`, { cause: e });
      throw e;
    }
  }
}

export async function applyPlan(ctx: ApplyContext, project: StackProject, plan: StackPlan, opts: ApplyOptions = {}): Promise<void> {
  checkExternals(ctx, project, plan);
  if (plan.orphans.length > 0 && plan.orphanRemovals.length === 0) {
    ctx.emit({
      type: 'warning',
      message: `found orphan containers (${plan.orphans.map((o) => o.name).join(', ')}) for this project: if you removed or renamed this service in your compose file, run this command with --remove-orphans to clean it up`,
    });
  }
  for (const step of plan.orphanRemovals) await removeContainer(ctx, step, { timeoutS: undefined });
  await ensureNetworks(ctx, project, plan);
  ensureVolumes(ctx, project, plan);
  const started: { service: string; id: string }[] = [];
  const recreated = new Set<string>();
  for (const sp of plan.services) {
    abortIfGone(ctx);
    const svc = project.services[sp.service];
    if (!svc) continue;
    if (sp.steps.some((st) => st.action === 'recreate')) recreated.add(sp.service);
    // depends_on.restart: a kept container restarts when a dependency it names so was recreated
    const restartKept = Object.entries(svc.dependsOn).some(([dep, d]) => d.restart && recreated.has(dep));
    // dependencies matter only to a service that is about to start something
    if (restartKept || sp.steps.some((st) => st.action === 'create' || st.action === 'recreate' || st.action === 'start')) {
      await waitForDependencies(ctx, project, sp.service);
    }
    const toStart: { id: string; name: string }[] = [];
    for (const step of sp.steps) {
      abortIfGone(ctx);
      switch (step.action) {
        case 'remove':
          await removeContainer(ctx, step, { timeoutS: svc.stopGracePeriodS });
          break;
        case 'recreate': {
          progress(ctx, 'container', step.name, 'recreating', step.reason);
          await ctx.engine.containers.stop(step.id, svc.stopGracePeriodS);
          // the anonymous volumes go with the old container (Compose would carry them over)
          await ctx.engine.containers.remove(step.id, { force: true, volumes: true });
          const id = await createContainer(ctx, project, step);
          progress(ctx, 'container', step.name, 'recreated');
          toStart.push({ id, name: step.name });
          break;
        }
        case 'create': {
          progress(ctx, 'container', step.name, 'creating');
          const id = await createContainer(ctx, project, step);
          progress(ctx, 'container', step.name, 'created');
          toStart.push({ id, name: step.name });
          break;
        }
        case 'start':
          toStart.push({ id: step.id, name: step.name });
          break;
        case 'keep':
          if (restartKept) {
            progress(ctx, 'container', step.name, 'stopping', 'a dependency was recreated');
            await ctx.engine.containers.stop(step.id, svc.stopGracePeriodS);
            progress(ctx, 'container', step.name, 'stopped');
            toStart.push({ id: step.id, name: step.name });
            break;
          }
          progress(ctx, 'container', step.name, 'running', 'unchanged');
          started.push({ service: sp.service, id: step.id });
          break;
      }
    }
    for (const c of toStart) {
      abortIfGone(ctx);
      progress(ctx, 'container', c.name, 'starting');
      await ctx.engine.containers.start(c.id);
      progress(ctx, 'container', c.name, 'started');
      started.push({ service: sp.service, id: c.id });
    }
  }
  if (opts.wait) await waitReady(ctx, started, opts.timeoutMs);
}

function abortIfGone(ctx: ApplyContext): void {
  if (ctx.signal?.aborted) throw new Conflict('cancelled: the client went away');
}

async function ensureNetworks(ctx: ApplyContext, project: StackProject, plan: StackPlan): Promise<void> {
  for (const key of plan.networks) {
    const n = project.networks[key];
    if (!n || n.external) continue;
    let exists = true;
    try {
      const cur = ctx.engine.networks.inspect(n.name);
      if (cur.labels[LABEL_PROJECT] !== project.name) {
        throw new Conflict(`network "${n.name}" exists but was not made for project "${project.name}": remove it, or declare it external: true`);
      }
    } catch (e) {
      if (!(e instanceof NotFound)) throw e;
      exists = false;
    }
    if (exists) continue;
    progress(ctx, 'network', n.name, 'creating');
    await ctx.engine.networks.create({
      name: n.name,
      ...(n.subnet !== undefined ? { subnet: n.subnet } : {}),
      internal: n.internal,
      labels: { ...n.labels, [LABEL_PROJECT]: project.name, [LABEL_NETWORK]: key },
    });
    progress(ctx, 'network', n.name, 'created');
  }
}

function ensureVolumes(ctx: ApplyContext, project: StackProject, plan: StackPlan): void {
  for (const key of plan.volumes) {
    const v = project.volumes[key];
    if (!v || v.external) continue;
    try {
      const cur = ctx.engine.volumes.get(v.name);
      if (cur.labels[LABEL_PROJECT] !== project.name) {
        ctx.emit({ type: 'warning', message: `volume "${v.name}" already exists but was not made for project "${project.name}": using it (declare it external: true to say so)` });
      }
      continue;
    } catch (e) {
      if (!(e instanceof NotFound)) throw e;
    }
    progress(ctx, 'volume', v.name, 'creating');
    ctx.engine.volumes.create({ name: v.name, labels: { ...v.labels, [LABEL_PROJECT]: project.name, [LABEL_VOLUME]: key } });
    progress(ctx, 'volume', v.name, 'created');
  }
}

/** Create replica step.number; join the service's other networks before it starts. Returns its id. */
async function createContainer(ctx: ApplyContext, project: StackProject, step: { service: string; number: number; name: string }): Promise<string> {
  const svc = project.services[step.service]!;
  const base = ctx.loader.toCreateRequest(project, step.service, step.number);
  const req: ContainerCreateRequest = {
    ...base,
    name: base.name ?? step.name,
    labels: {
      ...base.labels,
      [LABEL_PROJECT]: project.name,
      [LABEL_SERVICE]: step.service,
      [LABEL_NUMBER]: String(step.number),
      [LABEL_CONFIG_HASH]: svc.configHash,
      ...(Object.keys(svc.dependsOn).length > 0 ? { [LABEL_DEPENDS_ON]: encodeDependsOn(svc.dependsOn) } : {}),
    },
  };
  const { id } = await ctx.engine.containers.create(req);
  for (const a of ctx.loader.networkAttachments(project, step.service)) {
    if (a.network === req.network) continue;
    try {
      await ctx.engine.networks.connect(a.network, { container: id, aliases: a.aliases, ...(a.ipAddress !== undefined ? { ipAddress: a.ipAddress } : {}) });
    } catch (e) {
      // a container that cannot join all its networks is not left behind half-wired
      await ctx.engine.containers.remove(id, { force: true, volumes: true }).catch(() => undefined);
      throw e;
    }
  }
  return id;
}

async function removeContainer(ctx: ApplyContext, step: Extract<ContainerStep, { action: 'remove' }>, opts: { timeoutS: number | undefined }): Promise<void> {
  progress(ctx, 'container', step.name, 'stopping');
  await ctx.engine.containers.stop(step.id, opts.timeoutS);
  progress(ctx, 'container', step.name, 'stopped');
  progress(ctx, 'container', step.name, 'removing');
  await ctx.engine.containers.remove(step.id, { force: true, volumes: true });
  progress(ctx, 'container', step.name, 'removed');
}

/** The project's containers of one service, as the engine has them now. */
function containersOf(ctx: Pick<ApplyContext, 'engine'>, project: string, service: string): string[] {
  // (two label filters would be OR-ed, as docker's: the service is matched here)
  return ctx.engine.containers
    .list({ all: true, filters: [`label=${LABEL_PROJECT}=${project}`] })
    .filter((c) => c.labels[LABEL_SERVICE] === service && c.state !== 'removing')
    .map((c) => c.id);
}

/** Block until each dependency of `service` meets its depends_on condition; a failed required one throws. */
async function waitForDependencies(ctx: ApplyContext, project: StackProject, service: string): Promise<void> {
  const svc = project.services[service]!;
  const deps: DependencyRef[] = [];
  for (const [dep, d] of Object.entries(svc.dependsOn)) {
    if (dep in project.services) deps.push({ service: dep, condition: d.condition, required: d.required });
    else if (d.required) throw new NotFound(`service "${service}" depends on "${dep}", which is not enabled (check its profiles)`);
  }
  await awaitDependencies(ctx, project.name, service, deps);
}

/** A container's depends_on, kept as a label so that `stack start` can honour it without the file. */
export const LABEL_DEPENDS_ON = 'pure.stack.depends-on';

export interface DependencyRef {
  service: string;
  condition: DependsCondition;
  required: boolean;
}

/** `db:service_healthy:true,init:service_completed_successfully:true` (Compose's depends_on label format). */
export function encodeDependsOn(dependsOn: Readonly<Record<string, StackDependency>>): string {
  return Object.entries(dependsOn).map(([dep, d]) => `${dep}:${d.condition}:${d.required}`).join(',');
}

export function decodeDependsOn(label: string | undefined): DependencyRef[] {
  const conditions: readonly string[] = ['service_started', 'service_healthy', 'service_completed_successfully'];
  return (label ?? '')
    .split(',')
    .map((item) => item.split(':'))
    .filter(([dep, condition]) => dep && condition && conditions.includes(condition))
    .map(([dep, condition, required]) => ({ service: dep!, condition: condition as DependsCondition, required: required !== 'false' }));
}

/** Wait for each dependency's condition on its containers as they are now (events, no polling). */
export async function awaitDependencies(ctx: Omit<ApplyContext, 'loader'>, project: string, service: string, deps: readonly DependencyRef[]): Promise<void> {
  for (const d of deps) {
    const ids = containersOf(ctx, project, d.service);
    if (ids.length === 0 && d.condition !== 'service_started' && d.required) {
      throw new NotFound(`dependency failed to start: service "${d.service}" has no containers`);
    }
    const announce = d.condition !== 'service_started';
    if (announce) for (const id of ids) progress(ctx, 'container', ctx.engine.containers.inspect(id).name, 'waiting');
    try {
      await waitForContainers(ctx.engine.containers, ctx.events, ids, (c) => verdictFor(d.condition, c, d.service), {
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onReady: (c) => {
          if (!announce) return;
          progress(ctx, 'container', c.name, d.condition === 'service_healthy' ? 'healthy' : 'exited', d.condition === 'service_healthy' ? undefined : `exit code ${c.state.exitCode}`);
        },
      });
    } catch (e) {
      if (d.required) throw e;
      ctx.emit({ type: 'warning', message: `optional dependency "${d.service}" of service "${service}": ${messageOf(e)}` });
    }
  }
}

/** up --wait: running, healthy where there is a health check, or exited 0 (a one-shot service). */
async function waitReady(ctx: ApplyContext, started: readonly { service: string; id: string }[], timeoutMs?: number): Promise<void> {
  const serviceOf = new Map(started.map((s) => [s.id, s.service]));
  const ready = (c: ContainerInspect): Verdict => {
    if (!c.state.running && c.state.startedAt !== null && !c.state.restarting) return completedVerdict(c, serviceOf.get(c.id) ?? c.name);
    if (c.state.health !== undefined || (c.config.healthcheck?.test.length ?? 0) > 0 && c.config.healthcheck?.test[0] !== 'NONE') return healthyVerdict(c);
    return startedVerdict(c);
  };
  await waitForContainers(ctx.engine.containers, ctx.events, started.map((s) => s.id), ready, {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    onReady: (c) => {
      const action = c.state.health?.status === 'healthy' ? 'healthy' : c.state.running ? 'running' : 'exited';
      progress(ctx, 'container', c.name, action);
    },
  });
}
