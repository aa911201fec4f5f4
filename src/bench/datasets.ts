/**
 * What the experiments run and read, made on this host — nothing is downloaded:
 *
 * - the bench image's rootfs: the host's static busybox (one symlink per applet) plus the host's sqlite3 and
 *   the shared libraries `ldd` names for it, at the same paths, so `sqlite3` runs inside the container;
 * - SQLite databases of the study's five sizes (151.6 kB … 111.6 MB), TPC-C-shaped tables of random text;
 * - small-file sets (10 … 100 000 files of 4 KiB random alphanumerics) and their uncompressed tar.
 *
 * Everything is cached under one directory (default /var/tmp/pure-bench) by name, so a second run reuses it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Unavailable } from '../errors/index.js';

const exec = promisify(execFile);

export const BENCH_IMAGE = 'pure-bench/tools:1';
export const DEFAULT_CACHE = '/var/tmp/pure-bench';
const BUSYBOX = '/usr/bin/busybox';
const SQLITE = '/usr/bin/sqlite3';

/** The study's database sizes (bytes), smallest first; rows per table are scaled to reach them. */
export const DB_SIZES = [151_600, 536_600, 2_600_000, 11_900_000, 111_600_000] as const;
export const FILE_COUNTS = [10, 100, 1000, 10_000, 100_000] as const;
export const FILE_BYTES = 4096;

/** The bench image's rootfs as a tarball (input of `X import`); made once. */
export async function benchImageTar(cache: string): Promise<string> {
  const tar = join(cache, 'image', 'rootfs.tar');
  if (existsSync(tar)) return tar;
  if (!existsSync(BUSYBOX)) throw new Unavailable(`${BUSYBOX} is absent (apt-get install busybox-static)`);
  const dir = join(cache, 'image', 'rootfs');
  await rm(dir, { recursive: true, force: true });
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var/www', 'work']) await mkdir(join(dir, d), { recursive: true });
  await chmod(dir, 0o755);
  await chmod(join(dir, 'tmp'), 0o1777);
  await copyFile(BUSYBOX, join(dir, 'bin/busybox'));
  await chmod(join(dir, 'bin/busybox'), 0o755);
  const applets = (await exec(BUSYBOX, ['--list'])).stdout.split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) await symlink('busybox', join(dir, 'bin', a));
  await writeFile(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await writeFile(join(dir, 'var/www/index.html'), 'hello from pure bench\n');
  if (existsSync(SQLITE)) {
    // The real sqlite3 and its libraries at their host paths: the dynamic loader finds them where ldd did.
    await mkdir(join(dir, 'usr/bin'), { recursive: true });
    await copyFile(SQLITE, join(dir, 'usr/bin/sqlite3'));
    for (const lib of await sharedLibraries(SQLITE)) {
      await mkdir(join(dir, dirname(lib)), { recursive: true });
      await copyFile(lib, join(dir, lib));
    }
  }
  const tmp = `${tar}.tmp`;
  await exec('tar', ['-C', dir, '--numeric-owner', '-cf', tmp, '.']);
  await rename(tmp, tar);
  return tar;
}

/** Absolute paths of the shared objects (and the loader) `ldd` resolves for `binary`. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await exec('ldd', [binary]);
  const libs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.add(m[1]);
  }
  return [...libs];
}

export function hasSqlite(): boolean {
  return existsSync(SQLITE);
}

/**
 * A SQLite database of about `bytes`, TPC-C-shaped (warehouse, district, customer, item, stock, orders,
 * order_line), filled with random text by recursive CTEs in the host's sqlite3. Returns its path.
 */
export async function sqliteDatabase(cache: string, bytes: number): Promise<string> {
  const path = join(cache, 'db', `tpcc-${bytes}.sqlite`);
  if (existsSync(path)) return path;
  if (!hasSqlite()) throw new Unavailable(`${SQLITE} is absent (apt-get install sqlite3)`);
  await mkdir(dirname(path), { recursive: true });
  // ~300 bytes a row once stored: rows per table so the seven tables together reach the size.
  const rows = Math.max(10, Math.round(bytes / 300 / 7));
  const table = (name: string, cols: string): string =>
    `CREATE TABLE ${name} (id INTEGER PRIMARY KEY, ${cols});
     INSERT INTO ${name} WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
       SELECT i, ${cols.split(',').map((c) => (c.includes('INTEGER') ? 'abs(random()) % 100000' : 'hex(randomblob(40))')).join(', ')} FROM n;`;
  const sql = [
    'PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;',
    table('warehouse', 'name TEXT, street TEXT, city TEXT, ytd INTEGER'),
    table('district', 'name TEXT, street TEXT, zip TEXT, tax INTEGER'),
    table('customer', 'first TEXT, last TEXT, credit TEXT, balance INTEGER'),
    table('item', 'name TEXT, data TEXT, image TEXT, price INTEGER'),
    table('stock', 'dist TEXT, data TEXT, info TEXT, quantity INTEGER'),
    table('orders', 'carrier TEXT, entry TEXT, note TEXT, lines INTEGER'),
    table('order_line', 'info TEXT, delivery TEXT, dist TEXT, amount INTEGER'),
    'COMMIT;',
  ].join('\n');
  const tmp = `${path}.tmp`;
  await rm(tmp, { force: true });
  await exec(SQLITE, [tmp, sql], { maxBuffer: 2 ** 20 });
  await rename(tmp, path);
  return path;
}

/** `count` files of 4 KiB random alphanumerics, and their tar; returns { dir, tar }. */
export async function fileSet(cache: string, count: number): Promise<{ dir: string; tar: string }> {
  const dir = join(cache, 'files', String(count));
  const tar = join(cache, 'files', `${count}.tar`);
  if (existsSync(tar)) return { dir, tar };
  await rm(dir, { recursive: true, force: true });
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const perDir = 1000; // keep directories small: 100 000 entries in one directory is its own benchmark
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `d${Math.floor(i / perDir)}`);
    if (i % perDir === 0) await mkdir(sub, { recursive: true });
    const raw = randomBytes(FILE_BYTES);
    for (let k = 0; k < raw.length; k++) raw[k] = alphabet.charCodeAt(raw[k]! % alphabet.length);
    await writeFile(join(sub, `f${i}.txt`), raw);
  }
  const tmp = `${tar}.tmp`;
  await exec('tar', ['-C', dir, '--numeric-owner', '-cf', tmp, '.']);
  await rename(tmp, tar);
  return { dir, tar };
}

/** "151.6 kB", "11.9 MB": the study's way of naming sizes. */
export function sizeLabel(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}
