/**
 * Host id ranges: every live sandbox (running a job, or warm in a pool) gets its own block of host uids and
 * gids, `size` wide, that its user namespace maps container ids 0..size-1 onto. Two sandboxes therefore
 * never share a host uid: a file one job leaves on a host-side path (its tmpfs, seen from the host) is owned
 * by a uid no other job has, and the kernel's permission and kill(2) checks, which compare host ids, keep
 * them apart even where a path or pid were shared.
 *
 *   block k = host ids base + k·size .. base + (k+1)·size − 1      k = 0 .. count − 1
 *
 * A block is taken when a sandbox is created and given back only once it is destroyed (every process dead,
 * tmpfs unmounted), so no id is reused while anything of its previous owner can still run. The lowest free
 * block is taken first: a quiet daemon keeps using the same few ranges. Nothing is stored: a daemon start
 * destroys every sandbox, so every block is free again.
 */
import { Unavailable } from '../errors/index.js';

export interface HostIdRangesOptions {
  /** First host id of block 0. Default 100000 (above any ordinary host user). */
  base?: number;
  /** Ids per block. Default 65536 (a full 16-bit id space inside the sandbox). */
  size?: number;
  /** Blocks at most, i.e. sandboxes alive at once. Default 4096. */
  count?: number;
}

/** One sandbox's block: container id 0 is host id `hostBase`. */
export interface HostIdRange {
  hostBase: number;
  size: number;
}

export class HostIdRanges {
  readonly base: number;
  readonly size: number;
  readonly count: number;
  private readonly used = new Set<number>();
  private hint = 0;

  constructor(o: HostIdRangesOptions = {}) {
    this.base = o.base ?? 100_000;
    this.size = o.size ?? 65_536;
    this.count = o.count ?? 4096;
  }

  /** The lowest free block; Unavailable when every one is held by a live sandbox. */
  acquire(): HostIdRange {
    for (let k = this.hint; k < this.count; k++) {
      if (this.used.has(k)) continue;
      this.used.add(k);
      this.hint = k + 1;
      return { hostBase: this.base + k * this.size, size: this.size };
    }
    throw new Unavailable(`no free host id range for a sandbox: all ${this.count} are in use`);
  }

  /** Give a block back (its sandbox is destroyed). Releasing a block twice, or one never taken, is a no-op. */
  release(r: HostIdRange): void {
    const k = (r.hostBase - this.base) / this.size;
    if (!this.used.delete(k)) return;
    if (k < this.hint) this.hint = k;
  }

  /** Blocks held now. */
  get inUse(): number {
    return this.used.size;
  }
}
