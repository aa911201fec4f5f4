/**
 * docker's `--filter key=value` list, read the same way by every listing that takes it: each item must be
 * key=value with a known key; the values of one key are collected in order (the matcher ORs them and ANDs the
 * keys). `check` adds a listing's own rules for a key's values; it throws to refuse one.
 */
import { InvalidArgument } from '../errors/index.js';

export function parseFilterList(
  items: readonly string[],
  keys: ReadonlySet<string>,
  check?: (key: string, value: string, item: string) => void,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InvalidArgument(`invalid filter "${item}": use key=value`);
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (!keys.has(key)) throw new InvalidArgument(`invalid filter "${item}": unknown key "${key}" (${[...keys].join(', ')})`);
    check?.(key, value, item);
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}
