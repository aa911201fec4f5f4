/**
 * Where a repository lives. Pure keeps names in Docker's familiar form (`busybox`, `foo/bar`,
 * `localhost:5000/x/y`, see engine/image/reference.ts); the distribution API wants the registry host and the
 * full repository path (`registry-1.docker.io`, `library/busybox`).
 */
export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';

export interface RepositoryLocation {
  /** The registry as users name it: `docker.io`, `localhost:5000`, `ghcr.io`. */
  registry: string;
  /** The repository path inside it: `library/busybox`, `x/y`. */
  repository: string;
}

/** Split a familiar name into its registry and repository path (the same rule as distribution/reference). */
export function locate(name: string): RepositoryLocation {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash > 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase())) {
    return { registry: first, repository: name.slice(slash + 1) };
  }
  return { registry: DOCKER_HUB, repository: slash < 0 ? `library/${name}` : name };
}

/** The host[:port] that serves a registry's API (Docker Hub's API is not on docker.io itself). */
export function endpointOf(registry: string): string {
  return registry === DOCKER_HUB || registry === 'index.docker.io' ? DOCKER_HUB_ENDPOINT : registry;
}

/** The key of a registry in a Docker config.json `auths` map (Docker Hub keeps its historical URL). */
export function authKeyOf(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

/** Normalise what a user typed for `login` (a URL, a host, Docker Hub's aliases) to a registry name. */
export function registryFromServer(server: string): string {
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === '' || host === 'index.docker.io' || host === DOCKER_HUB_ENDPOINT ? DOCKER_HUB : host;
}

/**
 * Docker's rule for plain HTTP: only registries the operator marks insecure, plus loopback (localhost,
 * 127.0.0.0/8, ::1), which is allowed by default. Entries may name a host, host:port, or an IPv4 CIDR.
 */
export function isInsecure(registry: string, insecure: readonly string[]): boolean {
  const host = hostOf(registry);
  if (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)) return true;
  return insecure.some((entry) => entry === registry || entry === host || inCidr(host, entry));
}

function hostOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  return registry.replace(/:\d+$/, '');
}

function inCidr(host: string, cidr: string): boolean {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  const ip = ipv4(host);
  if (!m || ip === undefined) return false;
  const base = ipv4(m[1] ?? '');
  const bits = Number(m[2]);
  if (base === undefined || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((base & mask) >>> 0);
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((n, p) => ((n << 8) | p) >>> 0, 0);
}
