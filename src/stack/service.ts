/**
 * StackService: the orchestrator behind `pure up/down/scale/config` and `pure stack <verb>`.
 *
 * A stack is found by its labels, never by a record of its own: every container, network and volume it made
 * carries LABEL_PROJECT (and service/number/config-hash, network/volume keys), so `down -p NAME` works without
 * the file and a daemon restart loses nothing. `up` loads the file (compose/*), plans (plan.ts, pure) against
 * the labelled containers, and applies (apply.ts) while streaming progress lines. Actions on one project run
 * one at a time (a per-project lock); different projects do not wait for each other.
 */
import { KeyLock } from '../lib/index.js';
import { InvalidArgument, NotFound } from '../errors/index.js';
import type { ContainerSummary, StackLine, StackSummary } from '../api/types.js';
import { LABEL_DEPENDS_ON, applyPlan, awaitDependencies, decodeDependsOn } from './apply.js';
import { planUp, projectContainers } from './plan.js';
import type { EventSource, StackEngine, StackLoader } from './ports.js';
import { LABEL_NETWORK, LABEL_PROJECT, LABEL_SERVICE, LABEL_VOLUME, type StackProject, type StackSource } from './types.js';

export interface StackServiceOptions {
  engine: StackEngine;
  loader: StackLoader;
  events: EventSource;
}

/** How a long action reports: one StackLine per step; a client that leaves aborts through the signal. */
export interface Reporter {
  emit: (line: StackLine) => void;
  signal?: AbortSignal;
}

export interface UpOptions {
  /** Only these services and their dependencies; default every enabled service. */
  services?: readonly string[];
  forceRecreate?: boolean;
  noRecreate?: boolean;
  removeOrphans?: boolean;
  /** Wait until every started container is running, healthy, or exited 0. */
  wait?: boolean;
  /** Seconds --wait may take; default no limit. */
  timeoutS?: number;
  /** Replicas per service instead of the file's. */
  scale?: Readonly<Record<string, number>>;
  /** Converge only the named services, not what they depend on (their dependencies' conditions are still awaited). */
  noDeps?: boolean;
}

export interface DownOptions {
  /** Also the project's named volumes and its containers' anonymous volumes (down -v). */
  volumes?: boolean;
  /** Seconds between the stop signal and SIGKILL; default each container's own. */
  timeoutS?: number;
}

export interface ActionOptions {
  services?: readonly string[];
  timeoutS?: number;
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export class StackService {
  readonly #o: StackServiceOptions;
  readonly #locks = new KeyLock();

  constructor(opts: StackServiceOptions) {
    this.#o = opts;
  }

  /** Load and validate the file (InvalidArgument naming the file and key on bad input). */
  async config(source: StackSource): Promise<{ project: StackProject; yaml: string }> {
    const project = await this.#o.loader.loadProject(source);
    return { project, yaml: this.#o.loader.renderConfig(project) };
  }

  /** Converge the host to the file. Everything that can be checked is checked before the first change. */
  async up(source: StackSource, opts: UpOptions, r: Reporter): Promise<void> {
    const project = await this.#o.loader.loadProject(source);
    for (const line of project.warnings) r.emit({ type: 'warning', message: line });
    const unknown = (opts.services ?? []).filter((s) => !(s in project.services));
    if (unknown.length > 0) throw new InvalidArgument(`no such service: "${unknown[0]}" (services: ${Object.keys(project.services).join(', ')})`);
    for (const [svc, n] of Object.entries(opts.scale ?? {})) {
      if (!(svc in project.services)) throw new InvalidArgument(`cannot scale "${svc}": no such service (services: ${Object.keys(project.services).join(', ')})`);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgument(`cannot scale "${svc}" to ${n}: a non-negative integer is required`);
    }
    const named = opts.services?.length ? opts.services : undefined;
    const order = this.#o.loader.serviceOrder(project, named).filter((svc) => !opts.noDeps || !named || named.includes(svc));
    await this.#locked(project.name, async () => {
      const plan = planUp(project, this.#o.engine.containers.list({ all: true, filters: [`label=${LABEL_PROJECT}=${project.name}`] }), {
        order,
        ...(opts.forceRecreate ? { forceRecreate: true } : {}),
        ...(opts.noRecreate ? { noRecreate: true } : {}),
        ...(opts.removeOrphans ? { removeOrphans: true } : {}),
        ...(opts.scale ? { scale: opts.scale } : {}),
        imageIds: this.#imageIds(project, order),
      });
      await applyPlan({ ...this.#o, emit: r.emit, ...(r.signal ? { signal: r.signal } : {}) }, project, plan, {
        ...(opts.wait ? { wait: true } : {}),
        ...(opts.timeoutS !== undefined ? { timeoutMs: opts.timeoutS * 1000 } : {}),
      });
    });
  }

  /**
   * Add or remove replicas of the named services; the other services (their dependencies included) and the kept
   * replicas are left as they are. New replicas still wait for their dependencies' conditions.
   */
  async scale(source: StackSource, scale: Readonly<Record<string, number>>, r: Reporter): Promise<void> {
    const services = Object.keys(scale);
    if (services.length === 0) throw new InvalidArgument('scale: name at least one SERVICE=REPLICAS');
    await this.up(source, { services, scale, noRecreate: true, noDeps: true }, r);
  }

  /**
   * Stop and remove the project's containers (last made first), then its networks, and with volumes its named
   * volumes. By labels only: the file is not needed, and what a removed service left goes too.
   */
  async down(name: string, opts: DownOptions, r: Reporter): Promise<void> {
    checkProjectName(name);
    await this.#locked(name, async () => {
      const { containers, networks, volumes } = this.#o.engine;
      const mine = this.#containers(name);
      if (mine.length === 0 && this.#networks(name).length === 0 && (!opts.volumes || this.#volumes(name).length === 0)) {
        r.emit({ type: 'warning', message: `no resource found to remove for project "${name}"` });
        return;
      }
      for (const group of byServiceNewestFirst(mine)) {
        await Promise.all(
          group.map(async (c) => {
            if (c.state === 'running' || c.state === 'paused' || c.state === 'restarting') {
              progress(r, 'container', c.name, 'stopping');
              await containers.stop(c.id, opts.timeoutS);
              progress(r, 'container', c.name, 'stopped');
            }
            progress(r, 'container', c.name, 'removing');
            await containers.remove(c.id, { force: true, ...(opts.volumes ? { volumes: true } : {}) });
            progress(r, 'container', c.name, 'removed');
          }),
        );
      }
      for (const n of this.#networks(name)) {
        progress(r, 'network', n, 'removing');
        await networks.remove(n);
        progress(r, 'network', n, 'removed');
      }
      if (opts.volumes) {
        for (const v of this.#volumes(name)) {
          progress(r, 'volume', v, 'removing');
          await volumes.remove(v);
          progress(r, 'volume', v, 'removed');
        }
      }
    });
  }

  /** Every project that has a container, network or volume on this host. */
  list(): StackSummary[] {
    const out = new Map<string, StackSummary>();
    const entry = (name: string): StackSummary => {
      let s = out.get(name);
      if (!s) out.set(name, (s = { name, services: [], containers: 0, running: 0 }));
      return s;
    };
    for (const c of this.#o.engine.containers.list({ all: true, filters: [`label=${LABEL_PROJECT}`] })) {
      const s = entry(c.labels[LABEL_PROJECT] ?? '');
      const svc = c.labels[LABEL_SERVICE];
      if (svc !== undefined && !s.services.includes(svc)) s.services.push(svc);
      s.containers++;
      if (c.state === 'running') s.running++;
    }
    for (const n of this.#o.engine.networks.list()) if (n.labels[LABEL_PROJECT] !== undefined && n.labels[LABEL_NETWORK] !== undefined) entry(n.labels[LABEL_PROJECT]);
    for (const v of this.#o.engine.volumes.list([`label=${LABEL_PROJECT}`])) if (v.labels[LABEL_VOLUME] !== undefined) entry(v.labels[LABEL_PROJECT] ?? '');
    for (const s of out.values()) s.services.sort();
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The project's containers, every state, by service then number. */
  containers(name: string): ContainerSummary[] {
    checkProjectName(name);
    return [...projectContainers(name, this.#containers(name)).entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([, list]) => list);
  }

  async stop(name: string, opts: ActionOptions, r: Reporter): Promise<void> {
    await this.#each(name, opts, 'newest-first', async (c) => {
      if (c.state !== 'running' && c.state !== 'paused' && c.state !== 'restarting') return;
      progress(r, 'container', c.name, 'stopping');
      await this.#o.engine.containers.stop(c.id, opts.timeoutS);
      progress(r, 'container', c.name, 'stopped');
    });
  }

  /**
   * Start the stopped containers, dependencies first (then in the order they were made), each service once its
   * depends_on conditions hold — read from the containers' labels, so no file is needed.
   */
  async start(name: string, opts: ActionOptions, r: Reporter): Promise<void> {
    checkProjectName(name);
    const ctx = { engine: this.#o.engine, events: this.#o.events, emit: r.emit, ...(r.signal ? { signal: r.signal } : {}) };
    await this.#locked(name, async () => {
      const groups = new Map<string, ContainerSummary[]>();
      for (const c of this.#pick(name, opts.services ?? [])) {
        const service = c.labels[LABEL_SERVICE] ?? '';
        groups.set(service, [...(groups.get(service) ?? []), c]);
      }
      const deps = new Map([...groups].map(([service, list]) => [service, decodeDependsOn(list[0]?.labels[LABEL_DEPENDS_ON])]));
      for (const service of dependencyOrder([...groups.keys()], (s) => (deps.get(s) ?? []).map((d) => d.service))) {
        const stopped = (groups.get(service) ?? []).filter((c) => c.state !== 'running' && c.state !== 'paused' && c.state !== 'restarting');
        if (stopped.length === 0) continue;
        await awaitDependencies(ctx, name, service, deps.get(service) ?? []);
        for (const c of stopped) {
          progress(r, 'container', c.name, 'starting');
          await this.#o.engine.containers.start(c.id);
          progress(r, 'container', c.name, 'started');
        }
      }
    });
  }

  async restart(name: string, opts: ActionOptions, r: Reporter): Promise<void> {
    await this.#each(name, opts, 'oldest-first', async (c) => {
      progress(r, 'container', c.name, 'starting', 'restarting');
      await this.#o.engine.containers.restart(c.id, opts.timeoutS);
      progress(r, 'container', c.name, 'started');
    });
  }

  /** Act on the project's (selected) containers one by one, in creation order or its reverse. */
  async #each(name: string, opts: ActionOptions, order: 'oldest-first' | 'newest-first', act: (c: ContainerSummary) => Promise<void>): Promise<void> {
    checkProjectName(name);
    await this.#locked(name, async () => {
      const picked = this.#pick(name, opts.services ?? []);
      if (order === 'newest-first') picked.reverse();
      for (const c of picked) await act(c);
    });
  }

  /** The project's containers of these services (all without), oldest first; NotFound for an unknown one. */
  #pick(name: string, services: readonly string[]): ContainerSummary[] {
    const all = this.containers(name);
    if (all.length === 0) throw new NotFound(`no such project: "${name}" (no container has its label)`);
    const unknown = services.filter((s) => !all.some((c) => c.labels[LABEL_SERVICE] === s));
    if (unknown.length > 0) throw new NotFound(`no container of service "${unknown[0]}" in project "${name}"`);
    return all.filter((c) => services.length === 0 || services.includes(c.labels[LABEL_SERVICE] ?? '')).sort((a, b) => a.created.localeCompare(b.created));
  }

  #containers(name: string): ContainerSummary[] {
    return this.#o.engine.containers.list({ all: true, filters: [`label=${LABEL_PROJECT}=${name}`] });
  }

  #networks(name: string): string[] {
    return this.#o.engine.networks.list().filter((n) => n.labels[LABEL_PROJECT] === name).map((n) => n.name);
  }

  #volumes(name: string): string[] {
    return this.#o.engine.volumes.list([`label=${LABEL_PROJECT}=${name}`]).map((v) => v.name);
  }

  #locked<T>(project: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.with(project, fn);
  }

  /** The image each service names now (absent: not in the store; creating the container will say so). */
  #imageIds(project: StackProject, order: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of order) {
      const svc = project.services[name];
      const id = svc ? this.#o.engine.images?.idOf(svc.image) : undefined;
      if (id !== undefined) out[name] = id;
    }
    return out;
  }
}

function checkProjectName(name: string): void {
  if (!PROJECT_NAME.test(name)) throw new InvalidArgument(`invalid project name "${name}": it must match [a-z0-9][a-z0-9_-]*`);
}

function progress(r: Reporter, resource: 'network' | 'volume' | 'container', name: string, action: Extract<StackLine, { type: 'progress' }>['action'], message?: string): void {
  r.emit({ type: 'progress', resource, name, action, ...(message !== undefined ? { message } : {}) });
}

/** Containers grouped by service, the group made last first (reverse dependency order, as `up` made them). */
function byServiceNewestFirst(list: readonly ContainerSummary[]): ContainerSummary[][] {
  const groups = new Map<string, ContainerSummary[]>();
  for (const c of [...list].sort((a, b) => a.created.localeCompare(b.created))) {
    const key = c.labels[LABEL_SERVICE] ?? c.name;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].sort((a, b) => b.at(-1)!.created.localeCompare(a.at(-1)!.created));
}

/** `names` (in their given order) with each after the ones it depends on among them; a cycle keeps the given order. */
function dependencyOrder(names: readonly string[], dependsOn: (name: string) => readonly string[]): string[] {
  const out: string[] = [];
  const visiting = new Set<string>();
  const visit = (n: string): void => {
    if (out.includes(n) || visiting.has(n) || !names.includes(n)) return;
    visiting.add(n);
    for (const d of dependsOn(n)) visit(d);
    visiting.delete(n);
    out.push(n);
  };
  for (const n of names) visit(n);
  return out;
}
