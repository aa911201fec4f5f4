/**
 * /etc/hosts and /etc/resolv.conf as docker writes them for a networked container: the container's own
 * address under its hostname, the --add-host entries; on a user network the embedded DNS server (the
 * gateway) as the only nameserver, elsewhere the --dns servers or the host's.
 */
import { InvalidArgument } from '../../errors/index.js';
import { isIp } from './ipv4.js';

export interface HostsInput {
  hostname: string;
  /** The container's address on its primary network; null without one (none/host). */
  ip: string | null;
  /** "name:ip" entries, already resolved (host-gateway replaced). */
  extraHosts: readonly string[];
}

export function renderHosts(h: HostsInput): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  lines.push(h.ip ? `${h.ip}\t${h.hostname}` : `127.0.1.1\t${h.hostname}`);
  for (const e of h.extraHosts) {
    const i = e.indexOf(':');
    lines.push(`${e.slice(i + 1)}\t${e.slice(0, i)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The host's resolv.conf with its nameservers replaced (search and options lines are kept). */
export function renderResolvConf(hostResolvConf: string, nameservers: readonly string[]): string {
  const kept = hostResolvConf.split('\n').filter((l) => /^\s*(search|domain|options)\b/.test(l));
  return `${[...nameservers.map((n) => `nameserver ${n}`), ...kept].join('\n')}\n`;
}

export function hostNameservers(hostResolvConf: string): string[] {
  return hostResolvConf
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined && isIp(x));
}

/** `--add-host NAME:IP`; IP may be "host-gateway" (the gateway of the container's network). */
export function checkExtraHost(entry: string): void {
  const i = entry.indexOf(':');
  const name = i < 0 ? '' : entry.slice(0, i);
  const ip = i < 0 ? '' : entry.slice(i + 1);
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(name) || (ip !== 'host-gateway' && !isIp(ip))) {
    throw new InvalidArgument(`invalid --add-host "${entry}": expected NAME:IPv4 (or NAME:host-gateway)`);
  }
}
