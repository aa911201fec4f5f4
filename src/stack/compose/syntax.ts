/**
 * The small value syntaxes of a compose file: shell-like command splitting, Go durations, byte sizes, CPU
 * counts, port specs and short volume specs. Each parser throws `BadValue` with the reason and the value; the
 * caller adds the file and key.
 */
import type { PortBinding } from '../../api/types.js';
import { quote } from './diagnostics.js';

/** A value that does not parse; the message names the value and the reason. */
export class BadValue extends Error {}

/**
 * Split a command string as a POSIX shell would split words, without running a shell: whitespace separates,
 * '...' is literal, "..." keeps \" \\ \$ \` escapes, a backslash outside quotes escapes the next character.
 */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new BadValue(`unterminated single quote in ${quote(text)}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && '"\\$`'.includes(text[j + 1] ?? '')) j++;
        word += text[j];
      }
      if (j >= text.length) throw new BadValue(`unterminated double quote in ${quote(text)}`);
      inWord = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 < text.length) word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("1m30s", "500ms", "10s", "1.5h") in milliseconds; a bare number is seconds. */
export function parseDurationMs(value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m) throw new BadValue(`invalid duration ${quote(value)} (examples: 10s, 500ms, 1m30s)`);
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    at = part.lastIndex;
  }
  if (text === '') throw new BadValue(`invalid duration ${quote(value)} (examples: 10s, 500ms, 1m30s)`);
  return Math.round(total);
}

/** A duration in Go's notation for `pure config`: 90000 → "1m30s", 500 → "500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return rest > 0 ? `${out}${rest}ms` : out;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** A byte size ("512m", "1g", "1.5gb", 1073741824); binary units as Compose. `allowUnlimited`: "-1" → -1. */
export function parseSize(value: string, allowUnlimited = false): number {
  const text = value.trim();
  if (allowUnlimited && text === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text);
  const factor = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || factor === undefined) throw new BadValue(`invalid size ${quote(value)} (examples: 512m, 1g, 1073741824)`);
  const bytes = Math.floor(Number(m[1]) * factor);
  if (!Number.isSafeInteger(bytes)) throw new BadValue(`invalid size ${quote(value)}: too large`);
  return bytes;
}

/** CPUs ("0.5", "2") → nano CPUs. */
export function parseCpus(value: string): number {
  const text = value.trim();
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) throw new BadValue(`invalid cpus ${quote(value)} (a positive number such as 0.5 or 2)`);
  return Math.round(Number(text) * 1e9);
}

function portRange(text: string, spec: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const start = Number(m?.[1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  if (!m || start < 1 || end > 65535 || end < start) {
    throw new BadValue(`invalid ${what} port ${quote(text)} in ${quote(spec)} (1-65535, or a range such as 8000-8010)`);
  }
  return [start, end];
}

/** A protocol suffix: "tcp" (default) or "udp". */
export function parseProtocol(text: string | undefined, spec: string): 'tcp' | 'udp' {
  const proto = (text ?? 'tcp').toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp') throw new BadValue(`unsupported protocol ${quote(text)} in ${quote(spec)} (tcp or udp)`);
  return proto;
}

/**
 * A short port spec: `[[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTOCOL]`, ports or equal-length ranges
 * ("80", "8080:80", "127.0.0.1:8080:80/udp", "127.0.0.1::80", "[::1]:8080:80", "8000-8001:80-81").
 * A range without host ports publishes each container port on an ephemeral host port.
 */
export function parsePortSpec(spec: string): PortBinding[] {
  const slash = spec.lastIndexOf('/');
  const protocol = parseProtocol(slash >= 0 ? spec.slice(slash + 1) : undefined, spec);
  let rest = slash >= 0 ? spec.slice(0, slash) : spec;
  let hostIp: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']:');
    if (close < 0) throw new BadValue(`invalid port ${quote(spec)}: expected [IPv6]:HOST:CONTAINER`);
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  if (parts.length > 3 || (hostIp !== undefined && parts.length !== 2)) {
    throw new BadValue(`invalid port ${quote(spec)}: expected [[HOST_IP:]HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`);
  }
  if (parts.length === 3) hostIp = parts[0] === '' ? undefined : parts[0];
  const containerText = parts[parts.length - 1] as string;
  const hostText = parts.length >= 2 ? (parts[parts.length - 2] as string) : '';
  const [cStart, cEnd] = portRange(containerText, spec, 'container');
  const host = hostText === '' ? undefined : portRange(hostText, spec, 'host');
  if (host && host[1] - host[0] !== cEnd - cStart) {
    throw new BadValue(
      cStart === cEnd
        ? `host port range ${quote(hostText)} for one container port is not supported in ${quote(spec)}: name one host port`
        : `port ranges of different lengths in ${quote(spec)}`,
    );
  }
  const out: PortBinding[] = [];
  for (let p = cStart; p <= cEnd; p++) {
    const binding: PortBinding = { containerPort: p, protocol };
    if (hostIp !== undefined) binding.hostIp = hostIp;
    if (host) binding.hostPort = host[0] + (p - cStart);
    out.push(binding);
  }
  return out;
}

/** A host port from the long syntax's `published` ("8080", 8080, ""), undefined for an ephemeral one. */
export function parsePublished(text: string | undefined, spec: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const [start, end] = portRange(text, spec, 'published');
  if (start !== end) throw new BadValue(`published port range ${quote(text)} is not supported in the long syntax: name one port`);
  return start;
}

export interface ShortVolume {
  /** undefined: an anonymous volume. */
  source?: string;
  kind: 'volume' | 'bind';
  target: string;
  readOnly: boolean;
  noCopy: boolean;
  /** Recognised modes Pure ignores (SELinux labels, consistency, propagation), for a warning. */
  ignoredModes: string[];
}

const IGNORED_MODES = new Set(['z', 'Z', 'cached', 'delegated', 'consistent', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

/** A short volume spec: "/path" (anonymous), "name:/path[:ro]", "./dir:/path", "/abs:/path:rw", "~/x:/path". */
export function parseVolumeSpec(spec: string): ShortVolume {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new BadValue(`invalid volume ${quote(spec)}: expected [SOURCE:]TARGET[:MODE]`);
  const [first, second, modes] = parts as [string, string | undefined, string | undefined];
  const source = second === undefined ? undefined : first;
  const target = second ?? first;
  if (!target.startsWith('/')) throw new BadValue(`invalid volume ${quote(spec)}: the container path ${quote(target)} is not absolute`);
  const kind = source !== undefined && /^[/.~]/.test(source) ? 'bind' : 'volume';
  const out: ShortVolume = { kind, target, readOnly: false, noCopy: false, ignoredModes: [] };
  if (source !== undefined) out.source = source;
  for (const mode of modes?.split(',') ?? []) {
    if (mode === 'ro') out.readOnly = true;
    else if (mode === 'rw') out.readOnly = false;
    else if (mode === 'nocopy' && kind === 'volume') out.noCopy = true;
    else if (IGNORED_MODES.has(mode)) out.ignoredModes.push(mode);
    else throw new BadValue(`invalid volume ${quote(spec)}: unknown mode ${quote(mode)} (ro, rw${kind === 'volume' ? ', nocopy' : ''})`);
  }
  return out;
}
