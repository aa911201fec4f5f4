/**
 * IPv4 arithmetic for subnets and addresses: parse, contain, overlap, pick a free /16 or /24. Pure functions;
 * addresses are unsigned 32-bit numbers inside, dotted quads outside.
 */
import { InvalidArgument } from '../../errors/index.js';

export interface Cidr {
  /** The network address (host bits cleared). */
  base: number;
  prefix: number;
}

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIp(text: string, what = 'IP address'): number {
  const m = QUAD.exec(text.trim());
  const parts = m ? m.slice(1).map(Number) : [];
  if (parts.length !== 4 || parts.some((p) => p > 255)) throw new InvalidArgument(`invalid ${what} "${text}": not an IPv4 address`);
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
}

export function isIp(text: string): boolean {
  try {
    parseIp(text);
    return true;
  } catch {
    return false;
  }
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.89.0.0/16"; docker refuses host bits set, and so do we (a typo there usually means the wrong subnet). */
export function parseCidr(text: string, what = '--subnet'): Cidr {
  const [ip = '', len, ...rest] = text.split('/');
  if (len === undefined || rest.length > 0 || !/^\d{1,2}$/.test(len) || Number(len) > 32) {
    throw new InvalidArgument(`invalid ${what} "${text}": expected an IPv4 CIDR such as 10.90.0.0/16`);
  }
  const prefix = Number(len);
  const addr = parseIp(ip, what);
  const base = (addr & maskOf(prefix)) >>> 0;
  if (base !== addr) throw new InvalidArgument(`invalid ${what} "${text}": host bits are set (did you mean ${formatIp(base)}/${prefix}?)`);
  if (prefix > 30) throw new InvalidArgument(`invalid ${what} "${text}": a /30 or larger subnet is needed for a gateway and a container`);
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefix)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & maskOf(p)) >>> 0) === ((b.base & maskOf(p)) >>> 0);
}

/** The usable host addresses: not the network address, not the broadcast address. */
export function isHostAddress(c: Cidr, ip: number): boolean {
  return contains(c, ip) && ip !== c.base && ip !== c.base + size(c) - 1;
}

/** The first host address: docker's default gateway. */
export function firstHost(c: Cidr): number {
  return c.base + 1;
}

/**
 * The first subnet of `prefix` bits inside `pool` that overlaps none of `taken` (networks, host routes).
 * Docker picks from 172.17-31/16; Pure's pool is 10.90.0.0/15…10.127/16 so it stays clear of common LANs.
 */
export function pickFree(pool: Cidr, prefix: number, taken: readonly Cidr[]): Cidr | null {
  const step = 2 ** (32 - prefix);
  for (let base = pool.base; base < pool.base + size(pool); base += step) {
    const c = { base: base >>> 0, prefix };
    if (!taken.some((t) => overlaps(t, c))) return c;
  }
  return null;
}

/** A route's destination as `ip route` prints it: any prefix (none means /32), host bits ignored. */
export function parseRouteDst(text: string): Cidr {
  const [ip = '', len = '32'] = text.split('/');
  const prefix = Math.min(32, Number(len) || 0);
  return { base: (parseIp(ip, 'route') & maskOf(prefix)) >>> 0, prefix };
}
