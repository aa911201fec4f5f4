/**
 * The networking flags of `run`/`create` → the create request, with docker's syntax:
 *
 *   -p [ip:][hostPort:]containerPort[/tcp|udp]   publish (no hostPort: the daemon picks a free one)
 *   -P                                            publish every port the image exposes
 *   --ip, --network-alias, --dns, --add-host NAME:IP
 *
 * Errors name the flag and the value; the daemon checks again what needs its state (networks, free ports).
 */
import { InvalidArgument } from '../errors/index.js';
import type { ContainerCreateRequest, PortBinding } from '../api/types.js';

export interface NetworkFlags {
  publish?: string[];
  publishAll?: boolean;
  ip?: string;
  networkAlias?: string[];
  dns?: string[];
  addHost?: string[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function port(text: string, spec: string, what: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new InvalidArgument(`invalid -p "${spec}": ${what} "${text}" is not a port number (1-65535)`);
  }
  return Number(text);
}

export function parsePublish(spec: string): PortBinding {
  const slash = spec.lastIndexOf('/');
  const proto = slash < 0 ? 'tcp' : spec.slice(slash + 1);
  if (proto !== 'tcp' && proto !== 'udp') throw new InvalidArgument(`invalid -p "${spec}": unknown protocol "${proto}" (use tcp or udp)`);
  const parts = (slash < 0 ? spec : spec.slice(0, slash)).split(':');
  if (parts.length > 3 || parts.some((p, i) => p === '' && !(parts.length === 3 && i === 1))) {
    throw new InvalidArgument(`invalid -p "${spec}": expected [ip:][hostPort:]containerPort[/tcp|udp]`);
  }
  if (parts.some((p) => p.includes('-'))) throw new InvalidArgument(`invalid -p "${spec}": port ranges are not supported`);
  const containerPort = port(parts[parts.length - 1]!, spec, 'container port');
  const b: PortBinding = { containerPort, protocol: proto };
  if (parts.length >= 2 && parts[parts.length - 2] !== '') b.hostPort = port(parts[parts.length - 2]!, spec, 'host port');
  if (parts.length === 3) {
    if (!IPV4.test(parts[0]!)) throw new InvalidArgument(`invalid -p "${spec}": "${parts[0]}" is not an IPv4 address`);
    b.hostIp = parts[0];
  }
  return b;
}

/** Adds the networking flags to `req` (in place). */
export function applyNetworkFlags(req: ContainerCreateRequest, flags: NetworkFlags): void {
  if (flags.publish && flags.publish.length > 0) req.portBindings = flags.publish.map(parsePublish);
  if (flags.publishAll) req.publishAll = true;
  if (flags.ip !== undefined) {
    if (!IPV4.test(flags.ip)) throw new InvalidArgument(`invalid --ip "${flags.ip}": not an IPv4 address`);
    req.ipAddress = flags.ip;
  }
  if (flags.networkAlias && flags.networkAlias.length > 0) req.networkAliases = [...flags.networkAlias];
  for (const d of flags.dns ?? []) if (!IPV4.test(d)) throw new InvalidArgument(`invalid --dns "${d}": not an IPv4 address`);
  if (flags.dns && flags.dns.length > 0) req.dns = [...flags.dns];
  for (const h of flags.addHost ?? []) {
    const i = h.indexOf(':');
    const ip = h.slice(i + 1);
    if (i <= 0 || (ip !== 'host-gateway' && !IPV4.test(ip))) throw new InvalidArgument(`invalid --add-host "${h}": expected NAME:IPv4 (or NAME:host-gateway)`);
  }
  if (flags.addHost && flags.addHost.length > 0) req.extraHosts = [...flags.addHost];
}
