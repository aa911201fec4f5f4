/**
 * `pure events`: the daemon's events (GET /v1/events), one line each, as docker prints them:
 *   2026-11-26T16:40:00.123Z container start 3f2a…(64 hex) (image=busybox, name=web)
 * or with --format json one PureEvent per line. --since/--until take an RFC 3339 time, a Unix time in seconds,
 * or a Go duration meaning "that long ago" (10m, 1h30m), as docker's do; without --until it runs until ^C.
 */
import type { Command } from 'commander';
import { InvalidArgument } from '../errors/index.js';
import { parseGoDuration } from '../lib/index.js';
import type { PureEvent } from '../api/types.js';
import { checkFormat, collect, type CliContext } from './context.js';

/** A --since/--until value as the RFC 3339 time the API takes. */
export function eventTime(text: string, flag: string, now: number): string {
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw new InvalidArgument(`invalid ${flag} "${text}": not a valid RFC 3339 time`);
    return new Date(t).toISOString();
  }
  if (/^\d+(\.\d+)?$/.test(text)) return new Date(Number(text) * 1000).toISOString();
  let ago: number;
  try {
    ago = parseGoDuration(text, flag);
  } catch {
    throw new InvalidArgument(`invalid ${flag} "${text}": use an RFC 3339 time (2026-11-26T16:40:00Z), Unix seconds, or a duration ago (10m)`);
  }
  return new Date(now - ago).toISOString();
}

/** docker's plain line: time, type, action, id, then the attributes sorted by key. */
export function eventLine(e: PureEvent): string {
  const attrs = Object.keys(e.attributes)
    .sort()
    .map((k) => `${k}=${e.attributes[k] ?? ''}`);
  return `${e.time} ${e.type} ${e.action} ${e.id}${attrs.length > 0 ? ` (${attrs.join(', ')})` : ''}\n`;
}

export function registerEventCommands(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description('print the daemon\'s events (container, image, network, volume) as they happen')
    .option('--since <time>', 'also show kept past events since this time (RFC 3339, Unix seconds, or a duration ago: 10m)')
    .option('--until <time>', 'stop at this time (same forms as --since)')
    .option('-f, --filter <key=value>', 'filter: type, event, container, image, network, volume, label=k[=v]; repeatable', collect)
    .option('--format <format>', 'output format: table (plain lines, the default) or json (one object per line)')
    .action(async (opts: { since?: string; until?: string; filter?: string[]; format?: string }) => {
      const json = checkFormat(opts.format);
      const now = ctx.now();
      const since = opts.since === undefined ? undefined : eventTime(opts.since, '--since', now);
      const until = opts.until === undefined ? undefined : eventTime(opts.until, '--until', now);
      for await (const e of ctx.client().stream<PureEvent>('/v1/events', { query: { since, until, filter: opts.filter ?? [] } })) {
        ctx.stdout.write(json ? `${JSON.stringify(e)}\n` : eventLine(e));
      }
    });
}
