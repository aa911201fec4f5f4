/**
 * How pull and push show progress. On a terminal: one line per layer, redrawn in place, with bytes and
 * speed (Docker's bars, without the bar). Otherwise one plain line per change of a layer's state (byte
 * counts are left out: a log should not get a line every 200 ms). `--quiet` prints neither.
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
  pushing: 'Pushing',
  pushed: 'Pushed',
  mounted: 'Mounted',
};

export class TransferOutput {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private readonly started = new Map<string, { at: number; bytes: number }>();
  private drawn = 0;

  constructor(
    private readonly out: Writable,
    private readonly tty: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  event(e: TransferLine): void {
    if (e.id === undefined) {
      if (e.message !== undefined && e.status !== 'done') this.message(e.message);
      return;
    }
    const text = this.describe(e);
    if (!this.tty) {
      if (e.status !== 'downloading' && e.status !== 'pushing') this.out.write(`${e.id}: ${text}\n`);
      return;
    }
    if (!this.lines.has(e.id)) this.order.push(e.id);
    this.lines.set(e.id, `${e.id}: ${text}`);
    this.redraw();
  }

  /** A line outside the per-layer block (printed below it). */
  message(text: string): void {
    this.out.write(`${text}\n`);
    if (this.tty) this.drawn = 0;
    this.order.length = 0;
    this.lines.clear();
  }

  private describe(e: TransferLine): string {
    const word = WORDS[e.status] ?? e.status;
    if ((e.status === 'downloading' || e.status === 'pushing') && e.current !== undefined) {
      const s = this.started.get(e.id ?? '') ?? { at: this.now(), bytes: e.current };
      this.started.set(e.id ?? '', s);
      const secs = (this.now() - s.at) / 1000;
      const speed = secs > 0.2 ? `  ${formatBytes(Math.round((e.current - s.bytes) / secs))}/s` : '';
      return `${word} ${formatBytes(e.current)}/${formatBytes(e.total ?? 0)}${speed}`;
    }
    if (e.status === 'mounted' && e.message) return e.message;
    return word;
  }

  private redraw(): void {
    // move up over what was drawn, then rewrite every layer's line (clearing each to the end)
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const id of this.order) s += `\r\x1b[2K${this.lines.get(id) ?? ''}\n`;
    this.drawn = this.order.length;
    this.out.write(s);
  }
}
