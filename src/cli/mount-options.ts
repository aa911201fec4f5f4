/**
 * `-v` and `--mount` → the create request's binds, volumes and tmpfs, with docker's syntax:
 *
 *   -v /host/path:/ctr[:ro|rw]      a bind mount (a source starting with "/" or "." is a host path)
 *   -v NAME:/ctr[:ro|rw|nocopy]     a named volume, created when missing
 *   -v /ctr                         an anonymous volume
 *   --mount type=bind|volume|tmpfs,source=…,target=…[,readonly][,volume-nocopy][,tmpfs-size=64m][,tmpfs-mode=1777]
 *
 * Errors name the flag and the value; nothing is sent to the daemon when one entry is wrong.
 */
import { isAbsolute, resolve } from 'node:path';
import { InvalidArgument } from '../errors/index.js';
import { parseBytes } from '../lib/index.js';
import type { BindMount, ContainerCreateRequest, VolumeMount } from '../api/types.js';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

type Mounts = Pick<ContainerCreateRequest, 'binds' | 'volumes' | 'tmpfs'>;

/** Adds the mounts of every -v and --mount to `req` (in place). */
export function applyMountFlags(req: Mounts, flags: { volume?: string[]; mount?: string[] }, cwd: string): void {
  const binds: BindMount[] = [];
  const volumes: VolumeMount[] = [];
  const tmpfs: Record<string, string> = {};
  const parsed = [...(flags.volume ?? []).map((s) => parseVolumeFlag(s, cwd)), ...(flags.mount ?? []).map((s) => parseMountFlag(s))];
  for (const m of parsed) {
    if (m.type === 'bind') binds.push(m.mount);
    else if (m.type === 'volume') volumes.push(m.mount);
    else tmpfs[m.target] = m.options;
  }
  if (binds.length > 0) req.binds = [...(req.binds ?? []), ...binds];
  if (volumes.length > 0) req.volumes = [...(req.volumes ?? []), ...volumes];
  if (Object.keys(tmpfs).length > 0) req.tmpfs = { ...(req.tmpfs ?? {}), ...tmpfs };
}

/** One -v: a bind mount (a host path), or a volume (a name, or none for an anonymous volume). */
export function parseVolumeFlag(spec: string, cwd: string): ParsedMount {
  const parts = spec.split(':');
  const bad = (why: string): InvalidArgument => new InvalidArgument(`invalid -v "${spec}": ${why}`);
  if (parts.length > 3) throw bad('too many ":" (the form is SOURCE:/container/path[:ro|rw])');
  if (parts.length === 1) {
    const destination = parts[0] ?? '';
    if (!isAbsolute(destination)) throw bad('an anonymous volume needs an absolute container path');
    if (destination === '/') throw bad('the container path cannot be "/"');
    return { type: 'volume', mount: { destination, readOnly: false } };
  }
  const [source = '', destination = '', mode = 'rw'] = parts;
  if (source === '') throw bad('the source is empty');
  if (!isAbsolute(destination)) throw bad(`the container path "${destination}" must be absolute`);
  if (destination === '/') throw bad('the container path cannot be "/"');
  const isHostPath = source.startsWith('/') || source.startsWith('.');
  let readOnly = false;
  let noCopy = false;
  for (const opt of mode.split(',')) {
    if (opt === 'ro' || opt === 'rw') readOnly = opt === 'ro';
    else if (opt === 'nocopy' && !isHostPath) noCopy = true;
    else throw bad(`unknown mode "${opt}" (use ro or rw${isHostPath ? '' : ', nocopy'})`);
  }
  if (isHostPath) return { type: 'bind', mount: { source: resolve(cwd, source), destination, readOnly } };
  if (!VOLUME_NAME.test(source)) throw bad(`"${source}" is neither an absolute host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)`);
  return { type: 'volume', mount: noCopy ? { source, destination, readOnly, noCopy } : { source, destination, readOnly } };
}

export type ParsedMount =
  | { type: 'bind'; mount: BindMount }
  | { type: 'volume'; mount: VolumeMount }
  | { type: 'tmpfs'; target: string; options: string };

const BOOL: Record<string, boolean> = { '': true, true: true, '1': true, false: false, '0': false };

/** One --mount, docker's comma-separated key=value list. */
export function parseMountFlag(spec: string): ParsedMount {
  const bad = (why: string): InvalidArgument => new InvalidArgument(`invalid --mount "${spec}": ${why}`);
  const kv = new Map<string, string>();
  for (const field of spec.split(',')) {
    if (field === '') throw bad('an empty field');
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).trim().toLowerCase();
    const canonical = { src: 'source', dst: 'target', destination: 'target', ro: 'readonly' }[key] ?? key;
    if (kv.has(canonical)) throw bad(`"${key}" is given twice`);
    kv.set(canonical, eq === -1 ? '' : field.slice(eq + 1));
  }
  const type = kv.get('type') ?? 'volume';
  const allowed: Record<string, string[]> = {
    bind: ['type', 'source', 'target', 'readonly'],
    volume: ['type', 'source', 'target', 'readonly', 'volume-nocopy'],
    tmpfs: ['type', 'target', 'readonly', 'tmpfs-size', 'tmpfs-mode'],
  };
  const keys = allowed[type];
  if (!keys) throw bad(`unknown type "${type}" (use bind, volume or tmpfs)`);
  for (const key of kv.keys()) if (!keys.includes(key)) throw bad(`unknown or misplaced field "${key}" for type=${type}`);
  const flag = (key: string): boolean => {
    const v = kv.get(key);
    if (v === undefined) return false;
    const b = BOOL[v.toLowerCase()];
    if (b === undefined) throw bad(`${key} takes true or false, not "${v}"`);
    return b;
  };
  const target = kv.get('target');
  if (!target) throw bad('target is required');
  if (!isAbsolute(target)) throw bad(`the target "${target}" must be an absolute container path`);
  if (target === '/') throw bad('the target cannot be "/"');
  const readOnly = flag('readonly');
  const source = kv.get('source');
  if (type === 'bind') {
    if (!source) throw bad('source is required for a bind mount');
    if (!isAbsolute(source)) throw bad(`the bind source "${source}" must be an absolute host path`);
    return { type: 'bind', mount: { source, destination: target, readOnly } };
  }
  if (type === 'volume') {
    if (source !== undefined && source !== '' && !VOLUME_NAME.test(source)) {
      throw bad(`invalid volume name "${source}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters`);
    }
    const mount: VolumeMount = { destination: target, readOnly };
    if (source) {
      mount.source = source;
      mount.mustExist = true; // the brief's rule for --mount, stricter than -v (which creates the volume)
    }
    if (flag('volume-nocopy')) mount.noCopy = true;
    return { type: 'volume', mount };
  }
  const options: string[] = [];
  const size = kv.get('tmpfs-size');
  if (size !== undefined) options.push(`size=${parseBytes(size, '--mount tmpfs-size')}`);
  const mode = kv.get('tmpfs-mode');
  if (mode !== undefined) {
    if (!/^[0-7]{1,4}$/.test(mode)) throw bad(`tmpfs-mode "${mode}" is not an octal file mode`);
    options.push(`mode=${mode}`);
  }
  if (readOnly) options.push('ro');
  return { type: 'tmpfs', target, options: options.join(',') };
}
