/** Exec requests made by POST .../exec, waiting for their WebSocket start; unclaimed ones expire. */
import { randomBytes } from 'node:crypto';
import { NotFound } from '../errors/index.js';
import type { ExecCreateRequest } from './types.js';

export class ExecRegistry {
  readonly #pending = new Map<string, { containerId: string; req: ExecCreateRequest; timer: NodeJS.Timeout }>();

  add(containerId: string, req: ExecCreateRequest): string {
    const id = randomBytes(32).toString('hex');
    const timer = setTimeout(() => this.#pending.delete(id), 5 * 60_000);
    timer.unref();
    this.#pending.set(id, { containerId, req, timer });
    return id;
  }

  take(execId: string): { containerId: string; req: ExecCreateRequest } {
    const e = this.#pending.get(execId);
    if (!e) throw new NotFound(`no such exec instance: "${execId}"`);
    clearTimeout(e.timer);
    this.#pending.delete(execId);
    return { containerId: e.containerId, req: e.req };
  }
}
