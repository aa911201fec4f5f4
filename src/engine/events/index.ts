/**
 * The events module: one in-process bus for container, image, network and volume events. Services publish;
 * `GET /v1/events` and the stack module subscribe. The last `capacity` events are kept in memory so a client
 * can ask for the ones `since` a time (Docker's `events --since`); nothing is persisted across daemon runs.
 */
import type { PureEvent } from '../../api/types.js';

export { parseEventFilters, matchesEvent, type EventFilters } from './filters.js';

export type EventInput = Omit<PureEvent, 'seq' | 'time' | 'attributes'> & { attributes?: Record<string, string> };
export type EventListener = (e: PureEvent) => void;

export interface EventBusOptions {
  /** How many past events `recent()` can return. Default 1024. */
  capacity?: number;
  now?: () => Date;
}

export class EventBus {
  readonly #ring: PureEvent[] = [];
  readonly #subs = new Set<EventListener>();
  readonly #capacity: number;
  readonly #now: () => Date;
  #seq = 0;

  constructor(opts: EventBusOptions = {}) {
    this.#capacity = opts.capacity ?? 1024;
    this.#now = opts.now ?? (() => new Date());
  }

  publish(input: EventInput): PureEvent {
    const e: PureEvent = { ...input, attributes: input.attributes ?? {}, time: this.#now().toISOString(), seq: ++this.#seq };
    this.#ring.push(e);
    if (this.#ring.length > this.#capacity) this.#ring.shift();
    for (const fn of this.#subs) {
      try {
        fn(e);
      } catch {
        // a listener's bug must not stop the others or the publisher
      }
    }
    return e;
  }

  /** Call fn for every event published from now on; returns the unsubscribe function. */
  subscribe(fn: EventListener): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }

  /** Kept events at or after `since` (RFC 3339), oldest first; all kept ones without it. */
  recent(since?: string): PureEvent[] {
    if (since === undefined) return [...this.#ring];
    const t = Date.parse(since);
    return this.#ring.filter((e) => Date.parse(e.time) >= t);
  }

  /** The sequence number of the last event published (0 before the first). */
  get lastSeq(): number {
    return this.#seq;
  }
}
