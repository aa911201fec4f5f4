/**
 * VolumeService: named and anonymous volumes of the local driver, as docker's.
 *
 *   <root>/volumes/<name>/_data      the directory bind-mounted into containers
 *   <root>/volumes/<name>/_copyup    staging of a copy-up in progress (see copy-up.ts)
 *   <root>/volumes/.trash-<name>-*   a volume being removed: renamed away first, deleted after
 *
 * Words: a *named* volume is created by `volume create` or by `-v NAME:/path`; an *anonymous* one is made for
 * a container (`-v /path`, an image's VOLUME) and goes with it on `rm -v` / `run --rm`. A volume is *in use*
 * while any container (running or not) mounts it; *dangling* is its opposite.
 *
 * Creation is synchronous (a few mkdir and one insert): the container service creates a container's volumes
 * and writes the record that refers to them in the same tick, so a concurrent `volume rm` cannot slip between.
 * Removal renames the directory away in that same synchronous step, so a volume created again under the same
 * name is never hit by the slow recursive delete of the old one.
 */
import { lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Conflict, Internal, InvalidArgument, NotFound } from '../../errors/index.js';
import type { Db } from '../../state/index.js';
import type { Volume, VolumeCreateRequest, VolumePruneResponse } from '../../api/types.js';
import { VolumeRepository, type VolumeRow } from './volume-db.js';
import { isValidVolumeName, newVolumeName, validateVolumeName } from './names.js';
import { DATA_DIR, STAGING_DIR } from './copy-up.js';
import { matchesVolumeFilters, parseVolumeFilters } from './filters.js';
import { diskUsage } from './disk-usage.js';
import { attachVolumes, populateVolumes, releaseVolumes, volumeBinds, type AttachResult } from './container-volumes.js';
import type { BindMount, ContainerCreateRequest, ImageConfig, VolumeMount } from '../../api/types.js';
import type { EventInput } from '../events/index.js';

export interface VolumeServiceOptions {
  /** PURE_ROOT: volumes live in <root>/volumes/. */
  root: string;
  db: Db;
  /** Names of the containers (running or not) that mount volume `name`. */
  usersOf: (name: string) => string[];
  /** Volume events (create, destroy), anonymous volumes included; the daemon passes its EventBus. */
  events?: { publish(e: EventInput): unknown };
  now?: () => Date;
}

export interface VolumeRecoveryReport {
  /** Directories with no row (a crash between mkdir and insert, or an older state.db): kept and listed again. */
  adoptedVolumes: string[];
  /** Rows whose directory was gone: an empty one is made again. */
  recreatedVolumes: string[];
  /** Removals interrupted by a crash, finished. */
  finishedVolumeRemoves: string[];
}

const TRASH_PREFIX = '.trash-';

export class VolumeService {
  readonly repo: VolumeRepository;
  readonly #o: VolumeServiceOptions;
  readonly #base: string;

  constructor(opts: VolumeServiceOptions) {
    this.#o = opts;
    this.#base = join(opts.root, 'volumes');
    this.repo = new VolumeRepository(opts.db);
    mkdirSync(this.#base, { recursive: true, mode: 0o700 });
  }

  dir(name: string): string {
    return join(this.#base, validateVolumeName(name));
  }

  dataDir(name: string): string {
    return join(this.dir(name), DATA_DIR);
  }

  /** docker's `volume create`: an existing name is returned as it is. */
  create(req: VolumeCreateRequest = {}): Volume {
    const name = req.name === undefined || req.name === '' ? newVolumeName() : validateVolumeName(req.name);
    const existing = this.repo.get(name);
    if (existing) return this.#view(existing);
    for (const key of Object.keys(req.labels ?? {})) {
      if (key === '') throw new InvalidArgument('invalid volume label: a key is required');
    }
    return this.#view(this.make(name, { labels: req.labels ?? {}, anonymous: false }));
  }

  /** Make the directories (never through a symlink) and the row. Synchronous on purpose (see the file's doc). */
  make(name: string, opts: { labels: Record<string, string>; anonymous: boolean }): VolumeRow {
    const dir = this.dir(name);
    mkdirOwn(dir, 0o700);
    mkdirOwn(join(dir, DATA_DIR), 0o755);
    const row: VolumeRow = { name, created: (this.#o.now?.() ?? new Date()).toISOString(), labels: opts.labels, anonymous: opts.anonymous };
    try {
      this.repo.insert(row);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    this.#o.events?.publish({ type: 'volume', action: 'create', id: name, attributes: { name, driver: 'local' } });
    return row;
  }

  /** Undo a make() of this same tick (nothing can use the volume yet). */
  forget(name: string): void {
    this.repo.delete(name);
    rmSync(this.dir(name), { recursive: true, force: true });
  }

  // The container service's VolumePort (see container-volumes.ts)
  attach(req: ContainerCreateRequest, image: ImageConfig): AttachResult {
    return attachVolumes(this, req, image);
  }

  populate(volumes: readonly VolumeMount[], rootfs: string): Promise<void> {
    return populateVolumes(this, volumes, rootfs);
  }

  binds(volumes: readonly VolumeMount[]): BindMount[] {
    return volumeBinds(this, volumes);
  }

  release(names: readonly string[], opts: { anonymousOnly: boolean }): Promise<void> {
    return releaseVolumes(this, names, opts);
  }

  get(name: string): Volume {
    return this.#view(this.#row(name));
  }

  #row(name: string): VolumeRow {
    const row = isValidVolumeName(name) ? this.repo.get(name) : undefined;
    if (!row) throw new NotFound(`no such volume: "${name}"`);
    return row;
  }

  list(filters: readonly string[] = []): Volume[] {
    const f = parseVolumeFilters(filters);
    return this.repo
      .list()
      .filter((row) => matchesVolumeFilters(row, f, () => this.#o.usersOf(row.name).length === 0))
      .map((row) => this.#view(row));
  }

  /** Refused while any container uses it, even with force (docker's rule); force only forgives a missing volume. */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    const row = isValidVolumeName(name) ? this.repo.get(name) : undefined;
    if (!row) {
      if (opts.force) return;
      throw new NotFound(`no such volume: "${name}"`);
    }
    const users = this.#o.usersOf(name);
    if (users.length > 0) {
      const who = users.map((u) => `"${u}"`).join(', ');
      throw new Conflict(`cannot remove volume "${name}": it is in use by container${users.length > 1 ? 's' : ''} ${who}`);
    }
    const trash = join(this.#base, `${TRASH_PREFIX}${name}-${randomBytes(4).toString('hex')}`);
    try {
      renameSync(this.dir(name), trash);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Internal(`cannot remove volume "${name}": ${(e as Error).message}`, { cause: e });
    }
    this.repo.delete(name);
    this.#o.events?.publish({ type: 'volume', action: 'destroy', id: name, attributes: { name, driver: 'local' } });
    // fs.rm never follows a symlink: one a container planted in _data is removed, not its target
    await rm(trash, { recursive: true, force: true });
  }

  /** Unused anonymous volumes (with all: every unused volume), narrowed by label filters, as docker 23+. */
  async prune(opts: { all?: boolean; filters?: readonly string[] } = {}): Promise<VolumePruneResponse> {
    const f = parseVolumeFilters(opts.filters ?? [], { prune: true });
    const out: VolumePruneResponse = { volumesDeleted: [], spaceReclaimed: 0 };
    for (const row of this.repo.list()) {
      if (!opts.all && !row.anonymous) continue;
      if (this.#o.usersOf(row.name).length > 0 || !matchesVolumeFilters(row, f, () => true)) continue;
      const size = await diskUsage(this.dir(row.name));
      try {
        await this.remove(row.name);
      } catch (e) {
        if (e instanceof Conflict) continue; // a container took it meanwhile
        throw e;
      }
      out.volumesDeleted.push(row.name);
      out.spaceReclaimed += size;
    }
    return out;
  }

  /** Make disk and rows agree after a crash. Never deletes a volume: only finishes removals already begun. */
  async recover(): Promise<VolumeRecoveryReport> {
    const report: VolumeRecoveryReport = { adoptedVolumes: [], recreatedVolumes: [], finishedVolumeRemoves: [] };
    for (const entry of await readdir(this.#base)) {
      if (entry.startsWith(TRASH_PREFIX)) {
        await rm(join(this.#base, entry), { recursive: true, force: true });
        report.finishedVolumeRemoves.push(entry.slice(TRASH_PREFIX.length).replace(/-[0-9a-f]{8}$/, ''));
        continue;
      }
      if (!isValidVolumeName(entry)) continue;
      const st = lstatSync(join(this.#base, entry));
      if (!st.isDirectory()) continue;
      await rm(join(this.#base, entry, STAGING_DIR), { recursive: true, force: true });
      if (!this.repo.get(entry)) {
        mkdirOwn(join(this.#base, entry, DATA_DIR), 0o755);
        this.repo.insert({ name: entry, created: st.mtime.toISOString(), labels: {}, anonymous: false });
        report.adoptedVolumes.push(entry);
      }
    }
    for (const row of this.repo.list()) {
      const dir = this.dir(row.name);
      const present = (() => {
        try {
          return lstatSync(join(dir, DATA_DIR)).isDirectory();
        } catch {
          return false;
        }
      })();
      if (present) continue;
      mkdirOwn(dir, 0o700);
      mkdirOwn(join(dir, DATA_DIR), 0o755);
      report.recreatedVolumes.push(row.name);
    }
    return report;
  }

  #view(row: VolumeRow): Volume {
    return {
      name: row.name,
      driver: 'local',
      mountpoint: this.dataDir(row.name),
      createdAt: row.created,
      labels: row.labels,
      scope: 'local',
      anonymous: row.anonymous,
    };
  }
}

/** mkdir that accepts an existing directory but never a symlink or a file in its place. */
function mkdirOwn(path: string, mode: number): void {
  try {
    mkdirSync(path, { mode });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Internal(`cannot create volume directory ${path}: ${(e as Error).message}`, { cause: e });
  }
  const st = lstatSync(path);
  if (!st.isDirectory() || st.isSymbolicLink()) throw new Internal(`volume directory ${path} exists and is not a directory`);
}
