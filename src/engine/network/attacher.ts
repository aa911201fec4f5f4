/**
 * Attacher: a container's life on its networks.
 *
 *   attach (start)  netns file → loopback ADD → per network: endpoint row, then CNI ADD (eth0, eth1…),
 *                   published ports on the first → /etc/hosts, /etc/resolv.conf → the netns path for runc
 *   detach (exit)   per endpoint, last first: CNI DEL (with the ADD's result as prevResult) → row deleted
 *                   → netns unmounted and removed. Never throws: failures go to onError, and what is left
 *                   is found again by reconcile.
 *   reconcile       at daemon start: endpoints, netns files and IPAM leases of containers that do not run.
 *
 * Attaches run one at a time (one lock for the host): choosing host ports and fixed addresses must not
 * race between two starts.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Conflict, InvalidArgument } from '../../errors/index.js';
import type { ContainerCreateRequest, NetworkSettings, PortBinding } from '../../api/types.js';
import type { CniRunner } from './cni.js';
import { buildConfList, LOOPBACK_CONF } from './conflist.js';
import type { NetnsDir } from './netns.js';
import type { ConnectionRecord, EndpointRecord, NetworkRecord, NetworkRepository } from './store.js';
import { exposedToBindings, resolveHostPorts } from './ports.js';
import { renderHosts, renderResolvConf } from './etc-files.js';

export interface ContainerRef {
  id: string;
  name: string;
  running: boolean;
  /** config.network: "bridge", "none", "host" or a user network's name. */
  network: string;
}

/** What the network module asks of the container module (plugged in by the daemon's composition root). */
export interface ContainerDirectory {
  resolve(ref: string): ContainerRef;
  nameOf(id: string): string | undefined;
  /** Names of the containers (any state) created on `network`. */
  usersOf(network: string): string[];
}

export interface AttachInput {
  id: string;
  name: string;
  hostname: string;
  config: ContainerCreateRequest;
  /** The image's ExposedPorts keys ("80/tcp"), published by -P. */
  exposedPorts: string[];
  /** The container's /etc files on the host, already written by the container service; rewritten here. */
  etcFiles: { hosts: string; resolvConf: string };
}

export interface AttacherOptions {
  repo: NetworkRepository;
  cni: CniRunner;
  netns: NetnsDir;
  ipamDir: string;
  containers: ContainerDirectory;
  hostResolvConf: () => string;
  onError: (e: unknown) => void;
}

function portMappings(ports: readonly PortBinding[]): object[] {
  return ports.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, ...(p.hostIp ? { hostIP: p.hostIp } : {}) }));
}

export class Attacher {
  readonly #o: AttacherOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: AttacherOptions) {
    this.#o = opts;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.catch(() => undefined).then(fn);
    this.#queue = next;
    return next;
  }

  #network(name: string): NetworkRecord {
    const n = this.#o.repo.get(name);
    if (!n) throw new InvalidArgument(`no such network: "${name}"`);
    return n;
  }

  /** Join the container's networks; null for none/host (runc makes or shares the netns itself). */
  async attach(input: AttachInput): Promise<{ netnsPath: string } | null> {
    const c = input.config;
    const mode = c.network ?? 'bridge';
    if (mode === 'none' || mode === 'host') {
      await this.#writeEtc(input, null);
      return null;
    }
    return this.#serial(async () => {
      await this.#detach(input.id); // whatever a previous run left
      const primary = this.#network(mode);
      const joins: ConnectionRecord[] = [
        { containerId: input.id, network: primary.name, aliases: c.networkAliases ?? [], ...(c.ipAddress ? { ipAddress: c.ipAddress } : {}) },
        ...this.#o.repo.connections({ containerId: input.id }),
      ];
      const netns = await this.#o.netns.create(input.id);
      try {
        await this.#o.cni.add(LOOPBACK_CONF, { containerId: input.id, netns, ifName: 'lo' });
        const wanted = [...(c.portBindings ?? []), ...(c.publishAll ? exposedToBindings(input.exposedPorts) : [])];
        const taken = this.#o.repo.endpoints().flatMap((e) => e.ports);
        const ports = await resolveHostPorts(dedupe(wanted), taken);
        for (const [i, j] of joins.entries()) {
          await this.#addEndpoint({ id: input.id, name: input.name }, this.#network(j.network), j, `eth${i}`, netns, i === 0 ? ports : [], c.dns ?? []);
        }
      } catch (e) {
        await this.#detach(input.id);
        throw e;
      }
      const first = this.#o.repo.endpoints({ containerId: input.id })[0];
      await this.#writeEtc(input, first ? { ip: first.ip, network: primary } : null);
      return { netnsPath: netns };
    });
  }

  async #addEndpoint(
    c: { id: string; name: string },
    n: NetworkRecord,
    j: ConnectionRecord,
    ifName: string,
    netns: string,
    ports: PortBinding[],
    dns: string[],
  ): Promise<void> {
    if (j.ipAddress && this.#o.repo.endpoints({ network: n.name }).some((e) => e.ip === j.ipAddress)) {
      throw new Conflict(`cannot use --ip ${j.ipAddress}: the address is already in use on network "${n.name}"`);
    }
    const prefixLen = Number(n.subnet.split('/')[1]);
    const ep: EndpointRecord = {
      containerId: c.id,
      containerName: c.name,
      network: n.name,
      ifName,
      ip: '',
      prefixLen,
      gateway: n.gateway,
      mac: '',
      aliases: j.aliases,
      ports,
      dns,
      result: null,
    };
    // the row goes first: a crash during the ADD still leaves something for reconcile to DEL
    this.#o.repo.putEndpoint(ep);
    const result = await this.#o.cni.add(buildConfList(n, this.#o.ipamDir), {
      containerId: c.id,
      netns,
      ifName,
      capabilityArgs: { portMappings: portMappings(ports), ...(j.ipAddress ? { ips: [`${j.ipAddress}/${prefixLen}`] } : {}) },
    });
    const ipEntry = result.ips?.[0];
    ep.ip = ipEntry?.address.split('/')[0] ?? '';
    ep.mac = result.interfaces?.find((i) => i.name === ifName && i.sandbox)?.mac ?? '';
    ep.result = result;
    this.#o.repo.putEndpoint(ep);
  }

  async #delEndpoint(ep: EndpointRecord, netns: string): Promise<void> {
    const n = this.#o.repo.get(ep.network);
    if (n) {
      const rt = { containerId: ep.containerId, netns, ifName: ep.ifName, capabilityArgs: { portMappings: portMappings(ep.ports) } };
      await this.#o.cni.del(buildConfList(n, this.#o.ipamDir), rt, ep.result ?? undefined).catch(async (e: unknown) => {
        // a netns that is half gone: let the plugins release what they hold without it
        if (netns === '') throw e;
        await this.#o.cni.del(buildConfList(n, this.#o.ipamDir), { ...rt, netns: '' }, ep.result ?? undefined);
      }).catch((e: unknown) => this.#o.onError(e));
    }
    this.#o.repo.deleteEndpoint(ep.containerId, ep.network);
  }

  /** Leave every network and drop the netns. Idempotent; safe when attach never ran. */
  async detach(id: string): Promise<void> {
    await this.#serial(() => this.#detach(id));
  }

  async #detach(id: string): Promise<void> {
    const eps = this.#o.repo.endpoints({ containerId: id }).reverse();
    const netns = (await this.#o.netns.isMounted(id)) ? this.#o.netns.path(id) : '';
    for (const ep of eps) await this.#delEndpoint(ep, netns);
    await this.#o.netns.remove(id).catch((e: unknown) => this.#o.onError(e));
  }

  /** The container is gone: forget the networks it was connected to. */
  forget(id: string): void {
    this.#o.repo.deleteConnectionsOf(id);
  }

  async connectRunning(c: ContainerRef, n: NetworkRecord, j: ConnectionRecord): Promise<void> {
    await this.#serial(async () => {
      if (!(await this.#o.netns.isMounted(c.id))) return; // not networked by us (it will join at its next start)
      const used = new Set(this.#o.repo.endpoints({ containerId: c.id }).map((e) => e.ifName));
      let i = 0;
      while (used.has(`eth${i}`)) i++;
      try {
        await this.#addEndpoint(c, n, j, `eth${i}`, this.#o.netns.path(c.id), [], []);
      } catch (e) {
        const ep = this.#o.repo.endpoints({ containerId: c.id, network: n.name })[0];
        if (ep) await this.#delEndpoint(ep, this.#o.netns.path(c.id));
        throw e;
      }
    });
  }

  async disconnectRunning(id: string, n: NetworkRecord): Promise<void> {
    await this.#serial(async () => {
      const ep = this.#o.repo.endpoints({ containerId: id, network: n.name })[0];
      if (ep) await this.#delEndpoint(ep, (await this.#o.netns.isMounted(id)) ? this.#o.netns.path(id) : '');
    });
  }

  async #writeEtc(input: AttachInput, primary: { ip: string; network: NetworkRecord } | null): Promise<void> {
    const c = input.config;
    const extra = (c.extraHosts ?? []).map((e) => e.replace(/:host-gateway$/, `:${primary?.network.gateway ?? '127.0.0.1'}`));
    await writeFile(input.etcFiles.hosts, renderHosts({ hostname: input.hostname, ip: primary?.ip || null, extraHosts: extra }));
    const host = this.#o.hostResolvConf();
    if (primary && !primary.network.isDefault) {
      // the embedded DNS server answers for the network's containers and forwards the rest (to --dns if given)
      await writeFile(input.etcFiles.resolvConf, renderResolvConf(host, [primary.network.gateway]));
    } else if ((c.dns ?? []).length > 0) {
      await writeFile(input.etcFiles.resolvConf, renderResolvConf(host, c.dns ?? []));
    }
  }

  /** What inspect shows under NetworkSettings. */
  settings(id: string, config: ContainerCreateRequest): NetworkSettings {
    const eps = this.#o.repo.endpoints({ containerId: id });
    const names = [config.network ?? 'bridge', ...this.#o.repo.connections({ containerId: id }).map((j) => j.network)];
    const networks: NetworkSettings['networks'] = {};
    for (const name of names) {
      const ep = eps.find((e) => e.network === name);
      const n = this.#o.repo.get(name);
      networks[name] = {
        networkId: n?.id ?? '',
        ipAddress: ep?.ip ?? '',
        prefixLen: ep?.prefixLen ?? 0,
        gateway: ep?.gateway ?? '',
        macAddress: ep?.mac ?? '',
        aliases: ep?.aliases ?? [],
      };
    }
    return { networks, ports: eps[0]?.ports ?? [], sandboxKey: eps.length > 0 ? this.#o.netns.path(id) : '' };
  }

  /** DNS: the addresses of `name` on `network` (container name, alias or short id). */
  lookup(network: string, name: string): string[] {
    return this.#o.repo
      .endpoints({ network })
      .filter((e) => e.ip !== '' && (e.containerName.toLowerCase() === name || e.aliases.some((a) => a.toLowerCase() === name) || e.containerId.slice(0, 12) === name))
      .map((e) => e.ip);
  }

  /** DNS: the --dns servers of the container at `ip`, if it asked for some. */
  dnsOf(ip: string): string[] | null {
    const ep = this.#o.repo.endpoints().find((e) => e.ip === ip);
    return ep && ep.dns.length > 0 ? ep.dns : null;
  }

  /** After a daemon restart: release what containers that are not running still hold. */
  async reconcile(active: ReadonlySet<string>, known: ReadonlySet<string>): Promise<string[]> {
    const done: string[] = [];
    for (const j of this.#o.repo.connections()) {
      if (!known.has(j.containerId)) this.#o.repo.deleteConnection(j.containerId, j.network);
    }
    for (const id of new Set(this.#o.repo.endpoints().map((e) => e.containerId))) {
      if (active.has(id)) continue;
      await this.detach(id);
      done.push(`endpoint:${id}`);
    }
    for (const id of await this.#o.netns.list()) {
      if (active.has(id)) continue;
      await this.#o.netns.remove(id);
      done.push(`netns:${id}`);
    }
    // host-local leases (one file per address: "<container id>\r\n<ifname>") of containers that do not run
    for (const n of this.#o.repo.list()) {
      const dir = join(this.#o.ipamDir, n.name);
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        if (!/^\d+\.\d+\.\d+\.\d+$/.test(f)) continue;
        const [owner = '', ifName = 'eth0'] = (await readFile(join(dir, f), 'utf8').catch(() => '')).split(/\r?\n/);
        if (owner === '' || active.has(owner)) continue;
        await this.#o.cni.del(buildConfList(n, this.#o.ipamDir), { containerId: owner, netns: '', ifName }).catch((e: unknown) => this.#o.onError(e));
        done.push(`lease:${n.name}/${f}`);
      }
    }
    return done;
  }
}

function dedupe(bindings: readonly PortBinding[]): PortBinding[] {
  const seen = new Set<string>();
  return bindings.filter((b) => {
    const k = `${b.hostIp ?? ''}|${b.hostPort ?? `auto${b.containerPort}`}|${b.containerPort}/${b.protocol}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
