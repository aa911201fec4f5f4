/**
 * `events --filter` as docker reads them: type=container|image|network|volume, event=ACTION, container=NAME|ID,
 * image=REF|ID, network=NAME|ID, volume=NAME, label=KEY[=VALUE]. Values of one key are OR-ed, keys AND-ed.
 * container, image, network and volume match an event of that type by id (or id prefix) or its name attribute;
 * label matches the attributes (where container events carry their labels).
 */
import { InvalidArgument } from '../../errors/index.js';
import { parseFilterList } from '../../lib/index.js';
import type { PureEvent } from '../../api/types.js';

export type EventFilters = Map<string, string[]>;

const TYPES = new Set(['container', 'image', 'network', 'volume']);
const KEYS = new Set(['type', 'event', 'container', 'image', 'network', 'volume', 'label']);

export function parseEventFilters(items: readonly string[]): EventFilters {
  return parseFilterList(items, KEYS, (key, value, item) => {
    if (key === 'type' && !TYPES.has(value)) throw new InvalidArgument(`invalid filter "${item}": type is container, image, network or volume`);
    if (value === '') throw new InvalidArgument(`invalid filter "${item}": a value is required`);
  });
}

function names(e: PureEvent, v: string): boolean {
  return e.id === v || (v.length >= 3 && e.id.replace(/^sha256:/, '').startsWith(v.replace(/^sha256:/, ''))) || e.attributes.name === v;
}

export function matchesEvent(e: PureEvent, filters: EventFilters): boolean {
  for (const [key, values] of filters) {
    const ok = values.some((v) => {
      switch (key) {
        case 'type':
          return e.type === v;
        case 'event':
          return e.action === v;
        case 'container':
        case 'network':
        case 'volume':
          return e.type === key && names(e, v);
        case 'image':
          return (e.type === 'image' && names(e, v)) || (e.type === 'container' && e.attributes.image === v);
        case 'label': {
          const eq = v.indexOf('=');
          return eq < 0 ? v in e.attributes : e.attributes[v.slice(0, eq)] === v.slice(eq + 1);
        }
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
