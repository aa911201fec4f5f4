/**
 * `ps --filter` as docker reads it: id, name, status, label=k[=v], ancestor, exited=N, health=starting|healthy|
 * unhealthy|none (none: no health check; otherwise the last known status, kept after the container stops).
 */
import { InvalidArgument } from '../../errors/index.js';
import { parseFilterList } from '../../lib/index.js';
import type { ContainerRecord } from './record.js';

export type Filters = Map<string, string[]>;

const KEYS = new Set(['id', 'name', 'status', 'label', 'ancestor', 'exited', 'health']);
const HEALTH = new Set(['starting', 'healthy', 'unhealthy', 'none']);
const STATUSES = new Set(['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing']);

export function parseFilters(items: readonly string[]): Filters {
  return parseFilterList(items, KEYS, (key, value, item) => {
    if (key === 'status' && !STATUSES.has(value)) throw new InvalidArgument(`invalid filter "${item}": unknown status "${value}"`);
    if (key === 'health' && !HEALTH.has(value)) throw new InvalidArgument(`invalid filter "${item}": health is starting, healthy, unhealthy or none`);
    if (key === 'exited' && !/^-?\d+$/.test(value)) throw new InvalidArgument(`invalid filter "${item}": exit code must be an integer`);
  });
}

/** Values of one key are OR-ed, keys are AND-ed (docker's rule). */
export function matchesFilters(r: ContainerRecord, filters: Filters): boolean {
  for (const [key, values] of filters) {
    const ok = values.some((v) => {
      switch (key) {
        case 'id':
          return r.id.startsWith(v);
        case 'name':
          return r.name.includes(v);
        case 'status':
          return r.status === v;
        case 'ancestor':
          return r.image === v || r.imageId === v || r.imageId.replace('sha256:', '').startsWith(v.replace('sha256:', ''));
        case 'exited':
          return r.status === 'exited' && r.exitCode === Number(v);
        case 'health':
          return (r.config.healthcheck ? (r.health?.status ?? 'starting') : 'none') === v;
        case 'label': {
          const eq = v.indexOf('=');
          const labels = r.config.labels ?? {};
          return eq < 0 ? v in labels : labels[v.slice(0, eq)] === v.slice(eq + 1);
        }
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
