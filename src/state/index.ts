/**
 * The one-host state store: a single SQLite file (`state.db` under the Pure root).
 *
 * Each module owns its tables and declares them as an ordered list of migrations under its own name
 * (`migrate(db, 'image', [...])`); a migration runs once, inside a transaction, and is recorded in
 * `schema_migrations`. Modules then keep their own prepared statements. In WAL mode every committed
 * transaction survives a `kill -9` of the daemon (it is in the WAL, which the kernel keeps); with
 * `synchronous=NORMAL` a power cut may lose the last transactions but never corrupts the file, and recovery
 * then repairs containers from runc's and conmon's own state. FULL would fsync on every commit (about ten per
 * container lifecycle).
 */
import Database from 'better-sqlite3';

export type Db = Database.Database;

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * `db.prepare(sql)`, compiled once per database and reused: preparing costs SQLite a parse and a plan (~25 µs
 * each, a dozen per container lifecycle). Callers use only get/all/run, which leave a statement reusable.
 */
export function statement(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map<string, Database.Statement>()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

export function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (module, version))`);
  return db;
}

/** Apply `module`'s migrations that have not run yet, in order. Migration i is version i+1. */
export function migrate(db: Db, module: string, migrations: readonly string[]): void {
  const row = db
    .prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations WHERE module = ?')
    .get(module) as { v: number };
  const apply = db.transaction((sql: string, version: number) => {
    db.exec(sql);
    db.prepare('INSERT INTO schema_migrations (module, version) VALUES (?, ?)').run(module, version);
  });
  for (let i = row.v; i < migrations.length; i++) {
    const sql = migrations[i];
    if (sql !== undefined) apply(sql, i + 1);
  }
}
