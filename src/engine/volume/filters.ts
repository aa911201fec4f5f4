/**
 * `volume ls --filter` and `volume prune --filter`, docker's keys: dangling=true|false, name=<substring>,
 * label=<key> or label=<key>=<value>, driver=local. prune takes label filters only.
 */
import { InvalidArgument } from '../../errors/index.js';
import type { VolumeRow } from './volume-db.js';

export interface VolumeFilters {
  dangling?: boolean;
  names: string[];
  labels: { key: string; value?: string }[];
  drivers: string[];
}

export function parseVolumeFilters(entries: readonly string[], opts: { prune?: boolean } = {}): VolumeFilters {
  const f: VolumeFilters = { names: [], labels: [], drivers: [] };
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? entry : entry.slice(0, eq);
    const value = eq === -1 ? '' : entry.slice(eq + 1);
    if (eq === -1 || (opts.prune && key !== 'label')) {
      throw new InvalidArgument(`invalid filter "${entry}": use ${opts.prune ? 'label=KEY[=VALUE]' : 'dangling=true|false, name=NAME, label=KEY[=VALUE] or driver=local'}`);
    }
    switch (key) {
      case 'dangling':
        if (!['true', 'false', '1', '0'].includes(value)) throw new InvalidArgument(`invalid filter "${entry}": dangling takes true or false`);
        f.dangling = value === 'true' || value === '1';
        break;
      case 'name':
        f.names.push(value);
        break;
      case 'label': {
        const e2 = value.indexOf('=');
        if (value === '' || e2 === 0) throw new InvalidArgument(`invalid filter "${entry}": a label key is required`);
        f.labels.push(e2 === -1 ? { key: value } : { key: value.slice(0, e2), value: value.slice(e2 + 1) });
        break;
      }
      case 'driver':
        f.drivers.push(value);
        break;
      default:
        throw new InvalidArgument(`invalid filter "${entry}": unknown key "${key}" (use dangling, name, label or driver)`);
    }
  }
  return f;
}

/** Every given key must match; several values of one key match any of them (docker's rule). */
export function matchesVolumeFilters(row: VolumeRow, f: VolumeFilters, isDangling: () => boolean): boolean {
  if (f.names.length > 0 && !f.names.some((n) => row.name.includes(n))) return false;
  if (f.drivers.length > 0 && !f.drivers.includes('local')) return false;
  for (const l of f.labels) {
    if (!(l.key in row.labels)) return false;
    if (l.value !== undefined && row.labels[l.key] !== l.value) return false;
  }
  if (f.dangling !== undefined && isDangling() !== f.dangling) return false;
  return true;
}
