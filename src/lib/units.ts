import { InvalidArgument } from '../errors/index.js';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
};

/**
 * Parse a byte size as docker does (`512`, `64k`, `128m`, `1.5g`; binary units, case-insensitive).
 * `flag` names the option in the error: `invalid --memory "12q": unknown unit "q"`.
 */
export function parseBytes(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) throw new InvalidArgument(`invalid ${flag} "${text}": not a size (examples: 512k, 64m, 1g)`);
  const unit = (m[2] ?? '').toLowerCase();
  const factor = UNITS[unit];
  if (factor === undefined) throw new InvalidArgument(`invalid ${flag} "${text}": unknown unit "${m[2] ?? ''}"`);
  const value = Math.floor(Number(m[1]) * factor);
  if (!Number.isSafeInteger(value)) throw new InvalidArgument(`invalid ${flag} "${text}": too large`);
  return value;
}

/** Parse a duration: `10`, `10s`, `500ms`, `2m`, `1h`. Bare numbers are seconds. Returns milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new InvalidArgument(`invalid ${flag} "${text}": not a duration (examples: 500ms, 10s, 2m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * factor);
}

/** Human-readable size as docker prints it: 1.23MB (decimal units). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)}${units[i]}`;
}
