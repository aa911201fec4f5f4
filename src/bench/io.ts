/**
 * `io`: the study's basic I/O tests, each in the container's rootfs (/work, on the snapshotter) and in an
 * anonymous volume (/vol, a host directory):
 *
 * - SQLite: copy the database in from a read-only bind mount (copy-in), select every row of every table
 *   (select), then copy every table (copy) — with the sqlite3 CLI inside the container;
 * - small files: extract a tar of N 4 KiB files (extract), then read every file (read).
 *
 * The study kept its data in the image; here it comes from a bind mount and is written into the place under
 * test first, so the read right after runs on a warm page cache — the report says so.
 */
import { dirname } from 'node:path';
import { containerCandidate, execStep, type ContainerStep } from './container-run.js';
import { BENCH_IMAGE, DB_SIZES, FILE_COUNTS, fileSet, sizeLabel, sqliteDatabase } from './datasets.js';
import { dockerEngine, podmanEngine, pureEngine, type Engine } from './engines.js';
import { runCase, type BenchOptions, type CaseResult } from './experiment.js';
import { startPrivateDaemon, type PrivateDaemon } from './private-daemon.js';
import type { Candidate } from './runner.js';

const TABLES = ['warehouse', 'district', 'customer', 'item', 'stock', 'orders', 'order_line'];
type Place = 'rootfs' | 'volume';

export async function ioExperiment(opts: BenchOptions, imageTar: string): Promise<CaseResult[]> {
  const dbSizes = opts.quick ? DB_SIZES.slice(0, 2) : DB_SIZES;
  const fileCounts = opts.quick ? FILE_COUNTS.slice(0, 2) : FILE_COUNTS;
  // One private copy-snapshotter daemon for the whole experiment: starting one per case would dominate.
  let copyDaemon: PrivateDaemon | undefined;
  const copyEngine: Engine = { ...pureEngine(''), name: 'pure (copy)' };
  const wantsCopy = !opts.only || opts.only.some((w) => 'pure copy'.includes(w.toLowerCase()));
  let copyReason: string | undefined;
  if (wantsCopy) {
    copyDaemon = await startPrivateDaemon({ snapshotter: 'copy' }).catch((e: unknown) => {
      copyReason = e instanceof Error ? e.message : String(e);
      return undefined;
    });
    if (copyDaemon) copyEngine.env = { ...process.env, PURE_SOCKET: copyDaemon.socket };
  }
  const engines = (): { name: string; engine: Engine; skip?: string }[] => [
    { name: 'pure overlay', engine: pureEngine(opts.pureSocket) },
    { name: 'pure copy', engine: copyEngine, skip: copyDaemon ? undefined : (copyReason ?? 'not requested') },
    { name: 'docker', engine: dockerEngine() },
    { name: 'podman', engine: podmanEngine() },
  ];
  const build = (dataDir: string, place: Place, steps: ContainerStep[]): Candidate[] =>
    engines().map(({ name, engine, skip }) => {
      const flags = ['--network', 'none', '-v', `${dataDir}:/data:ro`, ...(place === 'volume' ? ['-v', '/vol'] : [])];
      const c = containerCandidate(name, engine, { image: BENCH_IMAGE, imageTar, createFlags: () => flags, steps });
      return skip ? { ...c, skipReason: skip } : c;
    });
  const out: CaseResult[] = [];
  let casesLeft = 2 * (dbSizes.length + fileCounts.length);
  // 20 cases of 4 engines, seconds per run: under the time budget a late case may keep a single run (said in its table)
  const IO_MIN_RUNS = 1;
  try {
    for (const bytes of dbSizes) {
      const db = await sqliteDatabase(opts.cache, bytes);
      const file = db.slice(dirname(db).length + 1);
      const big = bytes > 50e6;
      for (const place of ['rootfs', 'volume'] as const) {
        const t = place === 'volume' ? '/vol/db.sqlite' : '/work/db.sqlite';
        const steps = [
          execStep('copy-in', ['cp', `/data/${file}`, t]),
          execStep('select', ['sh', '-c', `sqlite3 ${t} '${TABLES.map((x) => `SELECT * FROM ${x};`).join(' ')}' > /dev/null`]),
          execStep('copy', ['sqlite3', t, TABLES.map((x) => `CREATE TABLE ${x}_copy AS SELECT * FROM ${x};`).join(' ')]),
        ];
        out.push(
          await runCase(opts, {
            experiment: 'io',
            name: `sqlite ${sizeLabel(bytes)} in ${place}`,
            description: `sqlite3 in the container on a ${sizeLabel(bytes)} TPC-C-shaped database in the ${place === 'volume' ? 'volume' : 'rootfs'}`,
            phases: ['create', 'start', 'copy-in', 'select', 'copy'],
            totalMeans: 'create + start + copy-in + select + copy',
            candidates: build(dirname(db), place, steps),
            baseline: 'docker',
            casesLeft: casesLeft--,
            minRuns: IO_MIN_RUNS,
            ...(big ? { runs: Math.min(opts.runs, 2), warmup: 0, note: 'the largest database: at most 2 runs, no warm-up (time budget)' } : {}),
          }),
        );
      }
    }
    for (const count of fileCounts) {
      const set = await fileSet(opts.cache, count);
      const big = count >= 10_000;
      for (const place of ['rootfs', 'volume'] as const) {
        const t = place === 'volume' ? '/vol/files' : '/work/files';
        const steps = [
          execStep('extract', ['sh', '-c', `mkdir -p ${t} && tar -xf /data/${count}.tar -C ${t}`]),
          execStep('read', ['sh', '-c', `find ${t} -type f -exec cat {} + > /dev/null`]),
        ];
        out.push(
          await runCase(opts, {
            experiment: 'io',
            name: `${count} files in ${place}`,
            description: `extract a tar of ${count} files of 4 KiB into the ${place}, then read every file`,
            phases: ['create', 'start', 'extract', 'read'],
            totalMeans: 'create + start + extract + read',
            candidates: build(dirname(set.tar), place, steps),
            baseline: 'docker',
            casesLeft: casesLeft--,
            minRuns: IO_MIN_RUNS,
            ...(big ? { runs: Math.min(opts.runs, count >= 100_000 ? 1 : 2), warmup: 0, note: `${count} files: fewer runs, no warm-up (time budget)` } : {}),
          }),
        );
      }
    }
  } finally {
    await copyDaemon?.stop();
  }
  return out;
}
