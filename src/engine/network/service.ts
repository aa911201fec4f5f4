/**
 * NetworkService: the networks of one host (create, ls, inspect, rm, prune, connect, disconnect) and the
 * embedded DNS server. A network is a record in SQLite, a Linux bridge with the gateway address, a CNI
 * conflist (<root>/networks/<name>.conflist), IPAM leases under <root>/networks/ipam/<name>/ (host-local:
 * they survive a daemon restart, so an address is never handed out twice), and iptables rules.
 * Containers join networks through the Attacher (attacher.ts), which the container service calls.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AlreadyExists, Conflict, FailedPrecondition, InvalidArgument, NotFound } from '../../errors/index.js';
import { writeFileAtomic } from '../../lib/index.js';
import type { Db } from '../../state/index.js';
import type { ContainerCreateRequest, NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest, NetworkInspect, NetworkPruneResponse, NetworkSettings } from '../../api/types.js';
import { CniRunner } from './cni.js';
import { buildConfList } from './conflist.js';
import { HostRules } from './host-rules.js';
import { DnsServer } from './dns-server.js';
import { NetworkRepository, type NetworkRecord } from './store.js';
import type { EventInput } from '../events/index.js';
import { contains, firstHost, formatCidr, formatIp, isHostAddress, overlaps, parseCidr, parseIp, parseRouteDst, pickFree, type Cidr } from './ipv4.js';
import { deleteBridge, ensureBridge, hostRoutes } from './bridge-device.js';
import { checkExtraHost, hostNameservers } from './etc-files.js';
import { Attacher, type AttachInput, type ContainerDirectory } from './attacher.js';
import { NetnsDir } from './netns.js';

export interface NetworkServiceOptions {
  /** PURE_ROOT: networks/ and networks/ipam/ live under it. */
  root: string;
  /** netns files go to <runRoot>/netns/<id>. */
  runRoot: string;
  db: Db;
  containers: ContainerDirectory;
  /** The default network's bridge device and subnet (docker's docker0 and --bip). Default pure0, 10.89.0.0/16. */
  defaultBridge?: { device: string; subnet: string };
  /** Where new networks' subnets come from (/24 each). Default 10.90.0.0/15. */
  pool?: string;
  cni?: CniRunner;
  rules?: HostRules;
  hostResolvConf?: string;
  /** Failures of background cleanup (a DEL that failed); the daemon logs them. */
  onError?: (e: unknown) => void;
  /** Network events (create, destroy, connect, disconnect); the daemon passes its EventBus. */
  events?: { publish(e: EventInput): unknown };
  now?: () => Date;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const PREDEFINED = ['bridge', 'host', 'none'] as const;

export class NetworkService {
  readonly repo: NetworkRepository;
  readonly attacher: Attacher;
  readonly #o: NetworkServiceOptions;
  readonly #rules: HostRules;
  readonly #dns: DnsServer;
  readonly #dir: string;
  #upstreams: string[] = [];

  constructor(opts: NetworkServiceOptions) {
    this.#o = opts;
    this.repo = new NetworkRepository(opts.db);
    this.#rules = opts.rules ?? new HostRules();
    this.#dir = join(opts.root, 'networks');
    this.#dns = new DnsServer({
      lookup: (network, name) => this.attacher.lookup(network, name),
      upstreams: (network, clientIp) => {
        if (this.repo.get(network)?.internal) return null;
        return this.attacher.dnsOf(clientIp) ?? this.#upstreams;
      },
    });
    this.attacher = new Attacher({
      repo: this.repo,
      cni: opts.cni ?? new CniRunner(),
      netns: new NetnsDir(join(opts.runRoot, 'netns')),
      ipamDir: this.ipamDir,
      containers: opts.containers,
      hostResolvConf: () => this.#hostResolv,
      onError: opts.onError ?? (() => undefined),
    });
  }

  get ipamDir(): string {
    return join(this.#dir, 'ipam');
  }

  #hostResolv = '';

  /** Ensure the default network and every network's bridge, rules, conflist and DNS listener (idempotent). */
  async init(): Promise<void> {
    await mkdir(this.ipamDir, { recursive: true, mode: 0o700 });
    this.#hostResolv = await readFile(this.#o.hostResolvConf ?? '/etc/resolv.conf', 'utf8').catch(() => '');
    this.#upstreams = hostNameservers(this.#hostResolv);
    await this.#rules.ensureBase();
    if (!this.repo.get('bridge')) {
      const def = this.#o.defaultBridge ?? { device: 'pure0', subnet: '10.89.0.0/16' };
      const subnet = parseCidr(def.subnet, 'default bridge subnet');
      this.repo.insert(this.#record('bridge', def.device, subnet, formatIp(firstHost(subnet)), false, {}, true));
    }
    for (const n of this.repo.list()) await this.#realize(n);
  }

  close(): void {
    this.#dns.close();
  }

  // the container service's NetworkPort (src/engine/container/ports.ts)
  check(config: ContainerCreateRequest): void {
    checkContainerNetworking(this, config);
  }

  /** Join the container's networks at its start; a connect event for each, as Docker's. */
  async attach(input: AttachInput): Promise<{ netnsPath: string } | null> {
    const joined = await this.attacher.attach(input);
    for (const e of this.repo.endpoints({ containerId: input.id })) this.#publishFor(e.network, 'connect', input.id);
    return joined;
  }

  /** Leave them at its exit; a disconnect event for each endpoint it had (none on a repeated detach). */
  async detach(id: string): Promise<void> {
    const had = this.repo.endpoints({ containerId: id }).map((e) => e.network);
    await this.attacher.detach(id);
    for (const name of had) this.#publishFor(name, 'disconnect', id);
  }

  #publishFor(name: string, action: 'connect' | 'disconnect', container: string): void {
    const n = this.repo.get(name);
    if (n) this.#publish(n, action, container);
  }

  forget(id: string): void {
    this.attacher.forget(id);
  }

  settings(id: string, config: ContainerCreateRequest): NetworkSettings {
    return this.attacher.settings(id, config);
  }

  reconcile(active: ReadonlySet<string>, known: ReadonlySet<string>): Promise<string[]> {
    return this.attacher.reconcile(active, known);
  }

  #record(name: string, device: string | null, subnet: Cidr, gateway: string, internal: boolean, labels: Record<string, string>, isDefault = false): NetworkRecord {
    const id = randomBytes(32).toString('hex');
    return {
      id,
      name,
      bridge: device ?? `pure-${id.slice(0, 10)}`,
      subnet: formatCidr(subnet),
      gateway,
      internal,
      isDefault,
      labels,
      created: (this.#o.now?.() ?? new Date()).toISOString(),
    };
  }

  /** Make the kernel side of a network match its record. */
  async #realize(n: NetworkRecord): Promise<void> {
    const prefix = parseCidr(n.subnet).prefix;
    await ensureBridge(n.bridge, `${n.gateway}/${prefix}`);
    await this.#rules.add(n);
    await writeFileAtomic(join(this.#dir, `${n.name}.conflist`), `${JSON.stringify(buildConfList(n, this.ipamDir), null, 2)}\n`);
    if (!n.isDefault) await this.#dns.listen(n.name, n.gateway).catch((e: unknown) => this.#o.onError?.(e));
  }

  async create(req: NetworkCreateRequest): Promise<NetworkInspect> {
    const name = req.name;
    if (!NAME.test(name)) throw new InvalidArgument(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if ((PREDEFINED as readonly string[]).includes(name)) throw new Conflict(`network name "${name}" is a pre-defined network`);
    if (this.repo.get(name)) throw new AlreadyExists(`network with name "${name}" already exists`);
    const taken = this.repo.list().map((n) => ({ name: `network "${n.name}"`, cidr: parseCidr(n.subnet) }));
    for (const r of await hostRoutes()) {
      if (this.repo.list().some((n) => n.bridge === r.dev)) continue;
      taken.push({ name: `the host's route via ${r.dev}`, cidr: parseRouteDst(r.dst) });
    }
    let subnet: Cidr;
    if (req.subnet !== undefined) {
      subnet = parseCidr(req.subnet);
      const clash = taken.find((t) => overlaps(t.cidr, subnet));
      if (clash) throw new Conflict(`invalid --subnet ${req.subnet}: it overlaps ${clash.name} (${formatCidr(clash.cidr)})`);
    } else {
      if (req.gateway !== undefined) throw new InvalidArgument(`invalid --gateway "${req.gateway}": it needs --subnet as well`);
      const free = pickFree(parseCidr(this.#o.pool ?? '10.90.0.0/15', 'pool'), 24, taken.map((t) => t.cidr));
      if (!free) throw new FailedPrecondition('no free subnet left in the address pool: give one with --subnet');
      subnet = free;
    }
    let gateway = formatIp(firstHost(subnet));
    if (req.gateway !== undefined) {
      const gw = parseIp(req.gateway, '--gateway');
      if (!isHostAddress(subnet, gw)) throw new InvalidArgument(`invalid --gateway ${req.gateway}: it is not a host address of the subnet ${formatCidr(subnet)}`);
      gateway = formatIp(gw);
    }
    const rec = this.#record(name, null, subnet, gateway, req.internal ?? false, req.labels ?? {});
    this.repo.insert(rec);
    try {
      await this.#realize(rec);
    } catch (e) {
      await this.#unrealize(rec);
      throw e;
    }
    this.#publish(rec, 'create');
    return this.#view(rec);
  }

  /** `docker network connect|disconnect` name the container in `container`, as Docker's events do. */
  #publish(n: NetworkRecord, action: 'create' | 'destroy' | 'connect' | 'disconnect', container?: string): void {
    const attributes: Record<string, string> = { name: n.name, type: 'bridge', ...(container ? { container } : {}) };
    this.#o.events?.publish({ type: 'network', action, id: n.id, attributes });
  }

  async #unrealize(n: NetworkRecord): Promise<void> {
    this.#dns.stop(n.name);
    await this.#rules.remove(n);
    await deleteBridge(n.bridge);
    await rm(join(this.#dir, `${n.name}.conflist`), { force: true });
    await rm(join(this.ipamDir, n.name), { recursive: true, force: true });
    this.repo.delete(n.name);
  }

  /** By name, full id or a unique id prefix, as docker does. */
  #find(ref: string): NetworkRecord {
    const all = this.repo.list();
    const hit = all.find((n) => n.name === ref) ?? all.find((n) => n.id === ref);
    if (hit) return hit;
    const byPrefix = /^[0-9a-f]+$/.test(ref) ? all.filter((n) => n.id.startsWith(ref)) : [];
    if (byPrefix.length > 1) throw new InvalidArgument(`network id prefix "${ref}" is ambiguous: give more characters`);
    if (byPrefix[0]) return byPrefix[0];
    throw new NotFound(`no such network: "${ref}"`);
  }

  /** The record of a network a container asks for by name (bridge or a user network). */
  get(name: string): NetworkRecord {
    return this.#find(name);
  }

  #pseudo(name: 'host' | 'none'): NetworkInspect {
    const id = createHash('sha256').update(`pure-network-${name}`).digest('hex');
    return { id, name, driver: name === 'host' ? 'host' : 'null', created: '', subnet: '', gateway: '', bridge: '', internal: false, labels: {}, containers: [] };
  }

  #view(n: NetworkRecord): NetworkInspect {
    return {
      id: n.id,
      name: n.name,
      driver: 'bridge',
      created: n.created,
      subnet: n.subnet,
      gateway: n.gateway,
      bridge: n.bridge,
      internal: n.internal,
      labels: n.labels,
      containers: this.repo
        .endpoints({ network: n.name })
        .filter((e) => e.ip !== '')
        .map((e) => ({ containerId: e.containerId, name: e.containerName, ipAddress: `${e.ip}/${e.prefixLen}`, macAddress: e.mac, aliases: e.aliases })),
    };
  }

  list(): NetworkInspect[] {
    return [...this.repo.list().map((n) => this.#view(n)), this.#pseudo('host'), this.#pseudo('none')];
  }

  inspect(ref: string): NetworkInspect {
    if (ref === 'host' || ref === 'none') return this.#pseudo(ref);
    return this.#view(this.#find(ref));
  }

  /** Containers (any state) that name this network: it cannot go while they exist. */
  usersOf(name: string): string[] {
    const ids = new Set(this.repo.connections({ network: name }).map((c) => c.containerId));
    const names = this.#o.containers.usersOf(name);
    for (const id of ids) names.push(this.#o.containers.nameOf(id) ?? id.slice(0, 12));
    return [...new Set(names)];
  }

  async remove(ref: string): Promise<void> {
    if (ref === 'host' || ref === 'none') throw new Conflict(`network "${ref}" is a pre-defined network and cannot be removed`);
    const n = this.#find(ref);
    if (n.isDefault) throw new Conflict(`network "${n.name}" is a pre-defined network and cannot be removed`);
    const users = this.usersOf(n.name);
    if (users.length > 0) throw new Conflict(`cannot remove network "${n.name}": it is used by container${users.length > 1 ? 's' : ''} ${users.map((u) => `"${u}"`).join(', ')}`);
    await this.#unrealize(n);
    this.#publish(n, 'destroy');
  }

  async prune(): Promise<NetworkPruneResponse> {
    const deleted: string[] = [];
    for (const n of this.repo.list()) {
      if (n.isDefault || this.usersOf(n.name).length > 0) continue;
      await this.#unrealize(n);
      this.#publish(n, 'destroy');
      deleted.push(n.name);
    }
    return { deleted };
  }

  async connect(ref: string, req: NetworkConnectRequest): Promise<void> {
    if (ref === 'host' || ref === 'none') throw new Conflict(`cannot connect a container to network "${ref}"`);
    const n = this.#find(ref);
    const c = this.#o.containers.resolve(req.container);
    if (c.network === 'host' || c.network === 'none') throw new Conflict(`cannot connect container "${c.name}" to "${n.name}": it uses network "${c.network}"`);
    if (c.network === n.name || this.repo.connections({ containerId: c.id, network: n.name }).length > 0) {
      throw new AlreadyExists(`container "${c.name}" is already connected to network "${n.name}"`);
    }
    if (req.ipAddress !== undefined) checkIpInNetwork(n, req.ipAddress, '--ip');
    if (n.isDefault && (req.aliases ?? []).length > 0) throw new InvalidArgument('network-scoped aliases work only on user-defined networks');
    const conn = { containerId: c.id, network: n.name, aliases: req.aliases ?? [], ...(req.ipAddress ? { ipAddress: req.ipAddress } : {}) };
    this.repo.putConnection(conn);
    if (c.running) {
      try {
        await this.attacher.connectRunning(c, n, conn);
      } catch (e) {
        this.repo.deleteConnection(c.id, n.name);
        throw e;
      }
    }
    this.#publish(n, 'connect', c.id);
  }

  async disconnect(ref: string, req: NetworkDisconnectRequest): Promise<void> {
    const n = this.#find(ref);
    const c = this.#o.containers.resolve(req.container);
    if (c.network === n.name) throw new FailedPrecondition(`cannot disconnect container "${c.name}" from "${n.name}": it is the network it was created on`);
    if (this.repo.connections({ containerId: c.id, network: n.name }).length === 0) {
      if (req.force) return;
      throw new NotFound(`container "${c.name}" is not connected to network "${n.name}"`);
    }
    await this.attacher.disconnectRunning(c.id, n);
    this.repo.deleteConnection(c.id, n.name);
    this.#publish(n, 'disconnect', c.id);
  }
}

/** A create request's network options, checked before anything is made. */
export function checkContainerNetworking(svc: NetworkService, c: ContainerCreateRequest): void {
  const mode = c.network ?? 'bridge';
  const aliases = c.networkAliases ?? [];
  if (mode === 'none' || mode === 'host') {
    if (aliases.length > 0) throw new InvalidArgument(`invalid --network-alias: it needs a user-defined network, not "${mode}"`);
    if (c.ipAddress !== undefined) throw new InvalidArgument(`invalid --ip ${c.ipAddress}: it needs a user-defined network, not "${mode}"`);
    if (mode === 'none' && ((c.portBindings ?? []).length > 0 || c.publishAll)) {
      throw new InvalidArgument('conflicting options: port publishing and --network none');
    }
  } else {
    const n = svc.get(mode);
    if (n.isDefault && aliases.length > 0) throw new InvalidArgument('invalid --network-alias: aliases work only on user-defined networks');
    if (c.ipAddress !== undefined) {
      if (n.isDefault) throw new InvalidArgument(`invalid --ip ${c.ipAddress}: a fixed address works only on user-defined networks`);
      checkIpInNetwork(n, c.ipAddress, '--ip');
    }
  }
  for (const a of aliases) if (!NAME.test(a)) throw new InvalidArgument(`invalid --network-alias "${a}"`);
  for (const d of c.dns ?? []) parseIp(d, '--dns');
  for (const h of c.extraHosts ?? []) checkExtraHost(h);
  for (const p of c.portBindings ?? []) if (p.hostIp) parseIp(p.hostIp, '-p host address');
}

/** --ip must be a host address of the subnet, and not the gateway. */
export function checkIpInNetwork(n: NetworkRecord, ip: string, flag: string): void {
  const subnet = parseCidr(n.subnet);
  const addr = parseIp(ip, flag);
  if (!contains(subnet, addr) || !isHostAddress(subnet, addr)) throw new InvalidArgument(`invalid ${flag} ${ip}: it is not inside the subnet ${n.subnet} of network "${n.name}"`);
  if (ip === n.gateway) throw new InvalidArgument(`invalid ${flag} ${ip}: it is the gateway of network "${n.name}"`);
}
