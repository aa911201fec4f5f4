/**
 * Registry credentials on the client, in Docker's config.json shape so existing files work:
 *   { "auths": { "localhost:5000": { "auth": base64("user:password") }, "https://index.docker.io/v1/": {...} } }
 * The file is `$PURE_CONFIG/config.json` (default `~/.pure/config.json`), mode 0600 in a 0700 directory;
 * when it has no entry for a registry, Docker's own `~/.docker/config.json` (or $DOCKER_CONFIG) is read too.
 * Credentials go to the daemon with each pull/push in `X-Registry-Auth`; the daemon stores none.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PureError } from '../errors/index.js';
import { writeFileAtomic } from '../lib/index.js';
import type { RegistryAuth } from '../api/types.js';

type Env = Readonly<Record<string, string | undefined>>;

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  [key: string]: unknown;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export function configPath(env: Env): string {
  return join(env.PURE_CONFIG ?? join(env.HOME ?? homedir(), '.pure'), 'config.json');
}

/** The registry of an image reference, by distribution/reference's rule (same as the engine's `locate`). */
export function registryOfRef(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  if (slash > 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase())) return first === 'index.docker.io' ? DOCKER_HUB : first;
  return DOCKER_HUB;
}

/** `https://index.docker.io/v1/`, `registry-1.docker.io`, `http://localhost:5000/` → the registry name. */
export function registryOfServer(server: string | undefined): string {
  const host = (server ?? '').replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === '' || host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}

function keyOf(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_KEY : registry;
}

async function readConfig(path: string): Promise<ConfigFile> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ConfigFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new PureError('failed_precondition', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function entryFor(config: ConfigFile, registry: string): RegistryAuth | undefined {
  const auths = config.auths ?? {};
  const entry = auths[keyOf(registry)] ?? auths[`https://${registry}`] ?? auths[`http://${registry}`];
  if (!entry) return undefined;
  if (entry.identitytoken) return { identitytoken: entry.identitytoken, serveraddress: registry };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1), serveraddress: registry };
  }
  if (entry.username) return { username: entry.username, password: entry.password ?? '', serveraddress: registry };
  return undefined;
}

/** The stored credentials for a registry, if any (ours first, then Docker's file). */
export async function readAuth(env: Env, registry: string): Promise<RegistryAuth | undefined> {
  const ours = entryFor(await readConfig(configPath(env)), registry);
  if (ours) return ours;
  const dockerDir = env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker');
  return entryFor(await readConfig(join(dockerDir, 'config.json')).catch(() => ({})), registry);
}

export async function storeAuth(env: Env, registry: string, username: string, password: string): Promise<string> {
  const path = configPath(env);
  const config = await readConfig(path);
  config.auths = { ...config.auths, [keyOf(registry)]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } };
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${JSON.stringify(config, null, '\t')}\n`, 0o600);
  return path;
}

/** Forget a registry's credentials; false when there were none. */
export async function removeAuth(env: Env, registry: string): Promise<boolean> {
  const path = configPath(env);
  const config = await readConfig(path);
  const key = keyOf(registry);
  if (!config.auths?.[key]) return false;
  delete config.auths[key];
  await writeFileAtomic(path, `${JSON.stringify(config, null, '\t')}\n`, 0o600);
  return true;
}

/** The X-Registry-Auth header value: base64 of the JSON object, as Docker's API takes it. */
export function authHeader(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64');
}
