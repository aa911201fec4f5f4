/**
 * Durations as Go's time.ParseDuration reads them, which is what docker's `--health-interval 1m30s` and
 * compose's `interval: 1m30s` take: a sequence of decimal numbers each with a unit (ns, us, µs, ms, s, m, h),
 * an optional sign, and a bare "0". A bare number other than 0 is refused, as in Go ("missing unit").
 */
import { InvalidArgument } from '../errors/index.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)?/y;

/**
 * Parse `text` as a Go duration; returns milliseconds (fractional below 1 ms). `what` names the value in the
 * error, e.g. `--health-interval`: `invalid --health-interval "5q": unknown unit "q" (examples: 500ms, 30s, 1m30s)`.
 */
export function parseGoDuration(text: string, what: string): number {
  const bad = (why: string): InvalidArgument =>
    new InvalidArgument(`invalid ${what} "${text}": ${why} (examples: 500ms, 30s, 1m30s)`);
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad('not a duration');
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m) {
      const unit = /^[^\d.]+/.exec(s.slice(at))?.[0];
      throw bad(unit !== undefined && at > 0 ? `unknown unit "${unit}"` : 'not a duration');
    }
    const unit = m[2];
    if (unit === undefined) {
      const rest = /^[^\d.]+/.exec(s.slice(PART.lastIndex))?.[0];
      throw bad(rest === undefined ? 'missing unit' : `unknown unit "${rest}"`);
    }
    total += Number(m[1]) * (UNIT_MS[unit] ?? NaN);
  }
  if (!Number.isFinite(total)) throw bad('too large');
  return sign * total;
}
