/**
 * The container record and its SQLite repository. A record is one JSON document per container (keyed by id,
 * with a unique name column); every update is one transaction, so a `kill -9` of the daemon leaves either the
 * old record or the new one.
 *
 * Intents: an action with side effects outside SQLite (mounts, runc state, conmon, cgroups, files) is first
 * written to `intents` and deleted when it completes. At start the daemon reads the intents that are left and
 * finishes or undoes each one (see recovery.ts), so a crash in the middle of a create leaves nothing behind.
 */
import { InvalidArgument, NotFound } from '../../errors/index.js';
import type { Db } from '../../state/index.js';
import { migrate, statement } from '../../state/index.js';
import type { ContainerCreateRequest, ContainerStatus, HealthState } from '../../api/types.js';

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  image: string;
  imageId: string;
  /** The create request with the image's defaults filled in (entrypoint, cmd, env, workingDir, user...). */
  config: ContainerCreateRequest & { entrypoint: string[]; cmd: string[]; env: string[] };
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt: string | null;
  finishedAt: string | null;
  restartCount: number;
  /** Set by stop/kill from the user: restart policies leave it alone (docker's "manually stopped"). */
  manuallyStopped: boolean;
  conmonPid: number;
  /** Set by `rm -v`: finishRemove (also after a crash) removes the anonymous volumes as well. */
  removeVolumes?: boolean;
  snapshotter: string;
  runtime: string;
  /**
   * The health monitor's state (health.ts), for a container with config.healthcheck. Stored in its own column
   * and written only by setHealth: update() of a record read before a probe finished never rolls it back.
   */
  health?: HealthState;
}

export type IntentOp = 'create' | 'start' | 'remove';

export interface Intent {
  id: number;
  containerId: string;
  op: IntentOp;
  created: string;
}

const MIGRATIONS = [
  `CREATE TABLE containers (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     created TEXT NOT NULL,
     data TEXT NOT NULL);
   CREATE TABLE intents (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     container_id TEXT NOT NULL,
     op TEXT NOT NULL,
     created TEXT NOT NULL);`,
  `ALTER TABLE containers ADD COLUMN health TEXT;`,
];

interface Row {
  data: string;
  health: string | null;
}

function fromRow(row: Row): ContainerRecord {
  const rec = JSON.parse(row.data) as ContainerRecord;
  delete rec.health;
  if (row.health !== null) rec.health = JSON.parse(row.health) as HealthState;
  return rec;
}

const COLUMNS = 'data, health';

export class ContainerRepository {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
    migrate(db, 'container', MIGRATIONS);
  }

  insert(rec: ContainerRecord): void {
    statement(this.#db, 'INSERT INTO containers (id, name, created, data) VALUES (?, ?, ?, ?)')
      .run(rec.id, rec.name, rec.created, JSON.stringify({ ...rec, health: undefined }));
  }

  /** Insert the record and its create intent in one transaction. */
  insertWithIntent(rec: ContainerRecord, op: IntentOp): number {
    return this.#db.transaction(() => {
      this.insert(rec);
      return this.addIntent(rec.id, op);
    })();
  }

  update(rec: ContainerRecord): void {
    const { health: _health, ...data } = rec;
    statement(this.#db, 'UPDATE containers SET name = ?, data = ? WHERE id = ?').run(rec.name, JSON.stringify(data), rec.id);
  }

  /** Replace (or, with undefined, clear) the health state alone. */
  setHealth(id: string, health: HealthState | undefined): void {
    statement(this.#db, 'UPDATE containers SET health = ? WHERE id = ?').run(health === undefined ? null : JSON.stringify(health), id);
  }

  delete(id: string): void {
    this.#db.transaction(() => {
      statement(this.#db, 'DELETE FROM containers WHERE id = ?').run(id);
      statement(this.#db, 'DELETE FROM intents WHERE container_id = ?').run(id);
    })();
  }

  get(id: string): ContainerRecord | undefined {
    const row = statement(this.#db, `SELECT ${COLUMNS} FROM containers WHERE id = ?`).get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  byName(name: string): ContainerRecord | undefined {
    const row = statement(this.#db, `SELECT ${COLUMNS} FROM containers WHERE name = ?`).get(name) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  byIdPrefix(prefix: string): ContainerRecord[] {
    const rows = statement(this.#db, `SELECT ${COLUMNS} FROM containers WHERE id >= ? AND id < ? || 'g' LIMIT 2`)
      .all(prefix, prefix) as Row[];
    return rows.map(fromRow);
  }

  /** Find by full id, name, or unique id prefix, as docker does. */
  resolve(ref: string): ContainerRecord {
    const rec = this.get(ref) ?? this.byName(ref.startsWith('/') ? ref.slice(1) : ref);
    if (rec) return rec;
    if (/^[0-9a-f]{1,63}$/.test(ref)) {
      const found = this.byIdPrefix(ref);
      if (found.length > 1) throw new InvalidArgument(`container id prefix "${ref}" is ambiguous: give more characters`);
      if (found[0]) return found[0];
    }
    throw new NotFound(`no such container: "${ref}"`);
  }

  list(): ContainerRecord[] {
    const rows = statement(this.#db, `SELECT ${COLUMNS} FROM containers ORDER BY created DESC`).all() as Row[];
    return rows.map(fromRow);
  }

  /** Names of the containers (running or not) that mount volume `name`: such a volume cannot be removed. */
  usersOfVolume(name: string): string[] {
    return this.list()
      .filter((r) => (r.config.volumes ?? []).some((v) => v.source === name))
      .map((r) => r.name);
  }

  addIntent(containerId: string, op: IntentOp): number {
    const r = statement(this.#db, 'INSERT INTO intents (container_id, op, created) VALUES (?, ?, ?)')
      .run(containerId, op, new Date().toISOString());
    return Number(r.lastInsertRowid);
  }

  completeIntent(intentId: number): void {
    statement(this.#db, 'DELETE FROM intents WHERE id = ?').run(intentId);
  }

  intents(): Intent[] {
    const rows = statement(this.#db, 'SELECT id, container_id, op, created FROM intents ORDER BY id').all() as {
      id: number;
      container_id: string;
      op: IntentOp;
      created: string;
    }[];
    return rows.map((r) => ({ id: r.id, containerId: r.container_id, op: r.op, created: r.created }));
  }
}
