/**
 * Warm pools: per sandbox profile (image + creation-time limits), keep `size` sandboxes created ahead — the
 * launcher waiting for "go" — so a job pays only for writing its files and one line to a pipe.
 *
 * A pool comes into being the first time a job asks for its profile (that job runs cold), or when the daemon
 * pre-warms it. A taken sandbox is replaced in the background once the job that took it (or missed) has its
 * result (`replenish`), one creation at a time per pool, off the critical path: on a 2-core host a `runc run`
 * started next to the job would take half the CPU the job is waiting for (the refill's runc also runs at a
 * lower priority, see Sandbox.create). A pool nobody used for `idleMs` is emptied. `size` 0 turns pools off:
 * every job runs cold.
 */
import type { Sandbox } from './sandbox.js';
import { profileKey, type SandboxProfile } from './limits.js';

export interface PoolOptions {
  /** Sandboxes kept ready per profile; 0 = no pools. */
  size: number;
  /** Empty a pool unused for this long, ms. Default 60 s. */
  idleMs?: number;
  /** Make and create one sandbox (the caller's factory; throws on failure, having cleaned up). */
  create: (profile: SandboxProfile, rootfs: string) => Promise<Sandbox>;
  /** Destroy a sandbox that will never run a job. */
  discard: (sb: Sandbox) => Promise<void>;
  now?: () => number;
  onError?: (e: unknown) => void;
}

interface Pool {
  profile: SandboxProfile;
  rootfs: string;
  ready: Sandbox[];
  creating: boolean;
  lastUsed: number;
  failures: number;
}

export interface PoolMetrics {
  pools: number;
  ready: number;
  hits: number;
  misses: number;
}

export class SandboxPool {
  private readonly pools = new Map<string, Pool>();
  private readonly now: () => number;
  private readonly sweeper?: NodeJS.Timeout;
  private closed = false;
  private hits = 0;
  private misses = 0;
  private readonly idle = new Set<Promise<void>>();
  /** Profiles whose creation kept failing, and until when not to try again. */
  private readonly backoff = new Map<string, number>();

  constructor(private readonly o: PoolOptions) {
    this.now = o.now ?? Date.now;
    if (o.size > 0) {
      const idleMs = o.idleMs ?? 60_000;
      this.sweeper = setInterval(() => this.sweep(idleMs), Math.max(1000, idleMs / 4));
      this.sweeper.unref();
    }
  }

  get enabled(): boolean {
    return this.o.size > 0 && !this.closed;
  }

  /**
   * A ready sandbox for `profile`, or undefined (the caller runs cold). The caller calls replenish(profile)
   * once its job has a result: the refill waits until then.
   */
  take(profile: SandboxProfile, rootfs: string): Sandbox | undefined {
    if (!this.enabled) return undefined;
    const key = profileKey(profile);
    let pool = this.pools.get(key);
    if (!pool && (this.backoff.get(key) ?? 0) > this.now()) {
      this.misses++;
      return undefined;
    }
    if (!pool) {
      pool = { profile, rootfs, ready: [], creating: false, lastUsed: this.now(), failures: 0 };
      this.pools.set(key, pool);
    }
    pool.lastUsed = this.now();
    const sb = pool.ready.shift();
    if (sb) this.hits++;
    else this.misses++;
    return sb;
  }

  /** A job that called take(profile) is done: refill that pool now (no-op when it is full or gone). */
  replenish(profile: SandboxProfile): void {
    const pool = this.pools.get(profileKey(profile));
    if (pool && this.enabled) this.refill(pool);
  }

  /** Start keeping `profile` warm now (daemon start). */
  prewarm(profile: SandboxProfile, rootfs: string): void {
    if (!this.enabled) return;
    const key = profileKey(profile);
    if (this.pools.has(key)) return;
    const pool: Pool = { profile, rootfs, ready: [], creating: false, lastUsed: this.now(), failures: 0 };
    this.pools.set(key, pool);
    this.refill(pool);
  }

  private refill(pool: Pool): void {
    if (pool.creating || this.closed) return;
    pool.creating = true;
    const work = (async () => {
      while (!this.closed && pool.ready.length < this.o.size && this.pools.get(profileKey(pool.profile)) === pool) {
        try {
          const sb = await this.o.create(pool.profile, pool.rootfs);
          if (this.closed || this.pools.get(profileKey(pool.profile)) !== pool) {
            await this.o.discard(sb);
            break;
          }
          pool.ready.push(sb);
          pool.failures = 0;
        } catch (e) {
          this.o.onError?.(e);
          // a profile that cannot be created (a broken image) must not spin: give up on this pool
          if (++pool.failures >= 3) {
            this.pools.delete(profileKey(pool.profile));
            this.backoff.set(profileKey(pool.profile), this.now() + 30_000);
            break;
          }
        }
      }
    })().finally(() => {
      pool.creating = false;
      this.idle.delete(work);
    });
    this.idle.add(work);
  }

  private sweep(idleMs: number): void {
    const now = this.now();
    for (const [key, pool] of this.pools) {
      if (now - pool.lastUsed < idleMs) continue;
      this.pools.delete(key);
      for (const sb of pool.ready.splice(0)) void this.o.discard(sb).catch((e: unknown) => this.o.onError?.(e));
    }
  }

  metrics(): PoolMetrics {
    let ready = 0;
    for (const p of this.pools.values()) ready += p.ready.length;
    return { pools: this.pools.size, ready, hits: this.hits, misses: this.misses };
  }

  /** Wait until every pool is full (tests and benchmarks: measure warm starts, not the refill race). */
  async settled(): Promise<void> {
    while (this.idle.size > 0) await Promise.all([...this.idle]);
  }

  /** Stop refilling and destroy every ready sandbox. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all([...this.idle]);
    const all = [...this.pools.values()].flatMap((p) => p.ready.splice(0));
    this.pools.clear();
    await Promise.all(all.map((sb) => this.o.discard(sb).catch((e: unknown) => this.o.onError?.(e))));
  }
}
