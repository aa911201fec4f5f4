/**
 * Merging compose files (`-f a.yaml -f b.yaml`, or compose.yaml + compose.override.yaml) as Compose does:
 *
 * - mappings merge key by key; a scalar (or a value of another kind) in the later file wins;
 * - `command`, `entrypoint` and `healthcheck.test` are replaced whole;
 * - `environment`, `labels`, `deploy.labels`, `depends_on`, a service's `networks` merge by key (a list form
 *   `K=V` / `K` / `name` is turned into a mapping first);
 * - a service's `volumes` merge by target (the later mount of a path wins, in the earlier one's place);
 * - every other sequence (`ports`, `expose`, `dns`, `tmpfs`, `env_file`, `profiles`, ...) appends the later
 *   file's items that are not already there.
 *
 * Files are interpolated before the merge, as Compose does, so a `${VAR}` error names its own file.
 */
import { isMapping } from './diagnostics.js';

type Tree = Record<string, unknown>;

/** Merge two whole files (each a mapping). */
export function mergeFiles(base: Tree, override: Tree): Tree {
  return mergeMapping(base, override, []);
}

function mergeMapping(base: Tree, override: Tree, path: string[]): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = key in base ? mergeValue(base[key], value, [...path, key]) : value;
  }
  return out;
}

/** The rule for the key at `path` (services.<name>.<key>... with the service name replaced by `*`). */
function ruleFor(path: string[]): 'replace' | 'by-key' | 'by-target' | 'default' {
  const key = path.join('.').replace(/^services\.[^.]+\./, 'services.*.');
  switch (key) {
    case 'services.*.command':
    case 'services.*.entrypoint':
    case 'services.*.healthcheck.test':
      return 'replace';
    case 'services.*.environment':
    case 'services.*.labels':
    case 'services.*.deploy.labels':
    case 'services.*.depends_on':
    case 'services.*.networks':
    case 'services.*.extra_hosts':
      return 'by-key';
    case 'services.*.volumes':
      return 'by-target';
    default:
      return 'default';
  }
}

function mergeValue(base: unknown, override: unknown, path: string[]): unknown {
  const rule = ruleFor(path);
  if (rule === 'replace' || override === null || override === undefined) return override;
  if (rule === 'by-key') {
    const a = asMapping(base);
    const b = asMapping(override);
    if (a && b) return mergeKeyed(a, b, path);
    return override;
  }
  if (rule === 'by-target' && Array.isArray(base) && Array.isArray(override)) return mergeByTarget(base, override);
  if (isMapping(base) && isMapping(override)) return mergeMapping(base, override, path);
  if (Array.isArray(base) && Array.isArray(override)) {
    const seen = new Set(base.map((item) => JSON.stringify(item)));
    return [...(base as unknown[]), ...(override as unknown[]).filter((item) => !seen.has(JSON.stringify(item)))];
  }
  return override;
}

/** Per-key merge: a mapping value under a key merges (depends_on.x.condition), anything else is replaced. */
function mergeKeyed(base: Tree, override: Tree, path: string[]): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const old = base[key];
    out[key] = isMapping(old) && isMapping(value) ? mergeMapping(old, value, [...path, key]) : value;
  }
  return out;
}

/** The mapping form of `environment`/`labels`/`depends_on`/`networks`; undefined when it has neither form. */
export function asMapping(value: unknown): Tree | undefined {
  if (isMapping(value)) return value;
  if (!Array.isArray(value)) return undefined;
  const out: Tree = {};
  for (const item of value) {
    if (typeof item !== 'string') return undefined;
    const eq = item.indexOf('=');
    if (eq < 0) out[item] = null;
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** The container path a `volumes:` item mounts at: `target:` (long) or the part after the source (short). */
export function volumeTarget(item: unknown): string | undefined {
  if (isMapping(item)) return typeof item.target === 'string' ? item.target : undefined;
  if (typeof item !== 'string') return undefined;
  const parts = item.split(':');
  return parts.length === 1 ? parts[0] : parts[1];
}

function mergeByTarget(base: unknown[], override: unknown[]): unknown[] {
  const out = [...base];
  for (const item of override) {
    const target = volumeTarget(item);
    const at = target === undefined ? -1 : out.findIndex((old) => volumeTarget(old) === target);
    if (at >= 0) out[at] = item;
    else out.push(item);
  }
  return out;
}
