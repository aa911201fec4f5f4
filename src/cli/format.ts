/**
 * How the CLI prints things: docker's table layout, durations, sizes and status words, so scripts and eyes
 * trained on `docker ps` / `docker images` / `docker stats` read Pure's output the same way.
 * Everything here is a pure function of its arguments (the clock is a parameter).
 */
import type { ContainerSummary } from '../api/types.js';

/**
 * A duration as docker prints it (go-units HumanDuration): "Less than a second", "3 seconds",
 * "About a minute", "5 minutes", "About an hour", "7 hours", "3 days", "2 weeks", "4 months", "2 years".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  // go-units rounds hours to the nearest (int(d.Hours() + 0.5)).
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** "3 seconds ago" for an RFC 3339 timestamp; a clock skew into the future reads as "Less than a second ago". */
export function timeAgo(time: string | null, now: number): string {
  if (!time) return '';
  const at = Date.parse(time);
  if (Number.isNaN(at)) return '';
  return `${humanDuration(Math.max(0, now - at))} ago`;
}

/**
 * The STATUS column of `ps`: "Up 3 seconds", "Up 5 seconds (healthy)", "Up 2 seconds (health: starting)",
 * "Up 1 minute (unhealthy)", "Up 5 seconds (Paused)", "Exited (0) 2 minutes ago", "Created".
 */
export function statusText(c: Pick<ContainerSummary, 'state' | 'exitCode' | 'startedAt' | 'finishedAt' | 'health'>, now: number): string {
  const since = (time: string | null): string => humanDuration(Math.max(0, now - (time ? Date.parse(time) : now)));
  switch (c.state) {
    case 'running':
      return `Up ${since(c.startedAt)}${c.health === undefined ? '' : c.health === 'starting' ? ' (health: starting)' : ` (${c.health})`}`;
    case 'paused':
      return `Up ${since(c.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${c.exitCode}) ${since(c.finishedAt)} ago`;
    case 'exited':
      return c.finishedAt ? `Exited (${c.exitCode}) ${since(c.finishedAt)} ago` : `Exited (${c.exitCode})`;
    case 'created':
      return 'Created';
    case 'dead':
      return 'Dead';
    case 'removing':
      return 'Removal In Progress';
  }
}

/** A size in binary units as `docker stats` prints memory (go-units BytesSize, "%.4g"): "1.5MiB", "1.944GiB". */
export function formatBinaryBytes(n: number): string {
  return scaled(n, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], 4);
}

/** A size in decimal units as `docker images` prints it (go-units HumanSize, "%.3g"): "4.26MB", "1.2MB". */
export function formatSize(n: number): string {
  return scaled(n, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], 3);
}

function scaled(n: number, base: number, units: readonly string[], digits: number): string {
  let v = n;
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  // Number(toPrecision) drops trailing zeros as Go's %g does: 1.50 → 1.5.
  return `${Number(v.toPrecision(digits))}${units[i]}`;
}

/** The 12-hex-digit id docker shows, for a container id or an image id with or without "sha256:". */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Cut `text` to `width` characters, the last one an ellipsis, as docker's stringutils.Ellipsis. */
export function ellipsis(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, width - 1).join('')}…`;
}

/** A percentage as docker stats prints it: "12.34%"; NaN (no sample yet) reads "--". */
export function percent(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}%` : '--';
}

/**
 * Lay out rows under a header like Go's tabwriter in docker: left-aligned columns, at least three spaces
 * between them, no trailing spaces. Returns the text with a final newline.
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length + 3)))
      .join('')
      .trimEnd();
  return [header, ...rows].map(line).join('\n') + '\n';
}

/** The repository and tag of a reference "name[:tag]" (a ":" after the last "/" is the tag separator). */
export function splitRepoTag(ref: string): { repository: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref, tag: 'latest' };
}
