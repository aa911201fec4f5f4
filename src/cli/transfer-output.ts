/**
 * How pull and push show progress, from the daemon's NDJSON lines (one per layer event).
 *
 * On a terminal: one line per layer, redrawn in place as Docker does, with a bar, bytes and speed while it
 * moves: `4f4fb700ef54: Downloading [=========>          ]  1.57MB/3.15MB  2.1MB/s`. Otherwise (a pipe, a
 * log): one plain line per change of a layer's state, without byte counts (a log should not get a line every
 * 200 ms). `--quiet` prints neither (the caller does not create this).
 *
 * The daemon says when a layer starts extracting, not when it is done; layers are extracted one after the
 * other (lowest first), so a layer is complete when the next one starts extracting, or when the pull ends.
 */
import type { Writable } from 'node:stream';
import { formatBytes } from '../lib/index.js';
import type { TransferLine } from '../api/types.js';

const WORDS: Record<string, string> = {
  waiting: 'Waiting',
  exists: 'Already exists',
  downloading: 'Downloading',
  verified: 'Download complete',
  extracting: 'Extracting',
  complete: 'Pull complete',
  pushing: 'Pushing',
  pushed: 'Pushed',
  mounted: 'Mounted',
};

export interface TransferOutputOptions {
  /** Redraw per-layer lines in place (stdout is a terminal). */
  tty: boolean;
  /** The terminal's width; the bar shrinks to fit. Default 80. */
  columns?: number;
  now?: () => number;
}

export class TransferOutput {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private readonly started = new Map<string, { at: number; bytes: number }>();
  private readonly tty: boolean;
  private readonly columns: number;
  private readonly now: () => number;
  /** The layer being extracted now: complete when another starts, or at the end. */
  private extracting: string | undefined;
  private drawn = 0;

  constructor(
    private readonly out: Writable,
    opts: TransferOutputOptions,
  ) {
    this.tty = opts.tty;
    this.columns = opts.columns !== undefined && opts.columns > 0 ? opts.columns : 80;
    this.now = opts.now ?? Date.now;
  }

  event(e: TransferLine): void {
    if (e.id === undefined) {
      if (e.status === 'done') this.finishExtracting();
      else if (e.message !== undefined) this.message(e.message);
      return;
    }
    if (e.status === 'extracting') {
      this.finishExtracting();
      this.extracting = e.id;
    }
    this.show(e.id, e);
  }

  /** A line outside the per-layer block (printed below it). */
  message(text: string): void {
    this.finishExtracting();
    this.out.write(`${text}\n`);
    this.drawn = 0;
    this.order.length = 0;
    this.lines.clear();
  }

  private finishExtracting(): void {
    const id = this.extracting;
    this.extracting = undefined;
    if (id !== undefined) this.show(id, { status: 'complete', id });
  }

  private show(id: string, e: TransferLine): void {
    const text = this.describe(e);
    if (!this.tty) {
      if (e.status !== 'downloading' && e.status !== 'pushing') this.out.write(`${id}: ${text}\n`);
      return;
    }
    if (!this.lines.has(id)) this.order.push(id);
    this.lines.set(id, `${id}: ${text}`);
    this.redraw();
  }

  private describe(e: TransferLine): string {
    const word = WORDS[e.status] ?? e.status;
    if ((e.status === 'downloading' || e.status === 'pushing') && e.current !== undefined) {
      const key = e.id ?? '';
      const s = this.started.get(key) ?? { at: this.now(), bytes: e.current };
      this.started.set(key, s);
      const secs = (this.now() - s.at) / 1000;
      const speed = secs > 0.2 ? `  ${formatBytes(Math.round((e.current - s.bytes) / secs))}/s` : '';
      const total = e.total ?? 0;
      const counts = total > 0 ? `${formatBytes(e.current)}/${formatBytes(total)}` : formatBytes(e.current);
      return this.tty && total > 0 ? `${word} ${bar(e.current / total, this.barWidth())} ${counts}${speed}` : `${word} ${counts}${speed}`;
    }
    if (e.status === 'mounted' && e.message) return e.message;
    return word;
  }

  /** Docker's 50 columns when there is room; what is left beside id, word, counts and speed otherwise. */
  private barWidth(): number {
    return Math.max(10, Math.min(50, this.columns - 70));
  }

  private redraw(): void {
    // move up over what was drawn, then rewrite every layer's line (clearing each to the end), each cut to
    // the terminal's width: a wrapped line would make the cursor arithmetic wrong
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const id of this.order) s += `\r\x1b[2K${(this.lines.get(id) ?? '').slice(0, this.columns - 1)}\n`;
    this.drawn = this.order.length;
    this.out.write(s);
  }
}

/** `[=====>     ]`, `width` cells between the brackets. */
function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.floor(f * width);
  if (full >= width) return `[${'='.repeat(width)}]`;
  return `[${'='.repeat(full)}>${' '.repeat(width - full - 1)}]`;
}
