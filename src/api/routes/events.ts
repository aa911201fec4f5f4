/**
 * GET /v1/events: the daemon's events as NDJSON, one PureEvent a line. With `since`, the kept past events
 * from that time come first (the bus keeps the last 1024 of this daemon run); then live ones as they are
 * published, until `until` (if given) or until the client goes away. The subscription is taken before the
 * past events are read, and events are deduplicated by `seq`, so none falls between the two. A client that
 * stops reading while more than MAX_BEHIND events pile up for it is dropped (its stream ends), as Docker drops
 * slow event subscribers, so it cannot make the daemon hold an unbounded queue.
 */
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { Readable } from 'node:stream';
import { InvalidArgument } from '../../errors/index.js';
import { matchesEvent, parseEventFilters, type EventBus } from '../../engine/events/index.js';
import { EventsQuery } from '../schemas.js';
import type { PureEvent } from '../types.js';

const MAX_BEHIND = 4096;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function parseTime(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const t = RFC3339.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(t)) throw new InvalidArgument(`invalid ${name} "${text}": an RFC 3339 time is required, as 2026-11-26T16:40:00Z`);
  return t;
}

export function eventRoutes(bus: EventBus, opts: { now?: () => number } = {}) {
  const now = opts.now ?? Date.now;
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/events', { schema: { summary: 'Events as NDJSON: past ones since a time, then live ones until a time or the client leaves', querystring: EventsQuery } }, async (req, reply) => {
      const q = req.query as Static<typeof EventsQuery>;
      const filters = parseEventFilters(q.filter === undefined ? [] : Array.isArray(q.filter) ? q.filter : [q.filter]);
      const since = parseTime(q.since, 'since');
      const until = parseTime(q.until, 'until');
      if (since !== undefined && until !== undefined && until < since) throw new InvalidArgument(`invalid until "${q.until}": it is before since "${q.since}"`);

      const live: PureEvent[] = [];
      let wake: (() => void) | undefined;
      let closed = false;
      const unsubscribe = bus.subscribe((e) => {
        live.push(e);
        if (live.length > MAX_BEHIND) stop();
        wake?.();
      });
      let timer: NodeJS.Timeout | undefined;
      function stop(): void {
        closed = true;
        unsubscribe();
        clearTimeout(timer);
        wake?.();
      }
      req.raw.on('close', stop);
      if (until !== undefined) timer = setTimeout(stop, Math.max(0, until - now() + 1));
      const past = since === undefined ? [] : bus.recent(new Date(since).toISOString());
      const afterUntil = (e: PureEvent) => until !== undefined && Date.parse(e.time) > until;

      const lines = Readable.from((async function* () {
        try {
          let seq = 0;
          for (const e of past) {
            if (afterUntil(e)) return;
            seq = e.seq;
            if (matchesEvent(e, filters)) yield `${JSON.stringify(e)}\n`;
          }
          while (!closed) {
            const e = live.shift();
            if (e === undefined) {
              await new Promise<void>((r) => (wake = r));
              wake = undefined;
              continue;
            }
            if (e.seq <= seq) continue;
            if (afterUntil(e)) return;
            if (matchesEvent(e, filters)) yield `${JSON.stringify(e)}\n`;
          }
        } finally {
          stop();
        }
      })());
      return reply.type('application/x-ndjson').send(lines);
    });
  };
}
