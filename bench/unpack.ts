/**
 * Unpacking one large layer: Pure's own tar reader (the one every pulled, loaded or imported layer goes
 * through: path checks, no writes through symlinks, whiteouts, digest of the stream) against GNU tar
 * extracting the same file. The layer is ~200 MiB: 10,000 small files (8 KiB) and one 120 MiB file.
 *
 *   npx tsx bench/unpack.ts [--runs 5] [--warmup 1] [--out DIR]
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpackLayer } from '../src/engine/archive/index.js';
import { runTimingBenchmark, spawnChecked, type Candidate } from './lib/index.js';

let work = '';
let layer = '';

async function prepare(): Promise<void> {
  if (layer) return;
  work = await mkdtemp(join(tmpdir(), 'pure-bench-unpack-'));
  const src = join(work, 'src');
  for (let d = 0; d < 100; d++) {
    await mkdir(join(src, 'files', `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) await writeFile(join(src, 'files', `d${d}`, `f${f}`), randomBytes(8192));
  }
  await writeFile(join(src, 'big.bin'), randomBytes(120 << 20));
  layer = join(work, 'layer.tar');
  await spawnChecked(['tar', '-C', src, '--numeric-owner', '-cf', layer, '.'], { timeoutMs: 120_000 });
  await rm(src, { recursive: true, force: true });
}

function candidate(name: string, extract: (dir: string) => Promise<void>): Candidate {
  return {
    name,
    setup: prepare,
    async run() {
      const dir = join(work, name.replace(/\W+/g, '-'));
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      const t0 = process.hrtime.bigint();
      await extract(dir);
      return { phasesNs: {}, totalNs: Number(process.hrtime.bigint() - t0) };
    },
    async teardown() {
      if (work) await rm(work, { recursive: true, force: true });
      work = '';
      layer = '';
    },
  };
}

await runTimingBenchmark({
  name: 'unpack',
  description: 'extract a ~200 MiB layer (10,000 files of 8 KiB + one 120 MiB file): GNU tar vs Pure',
  baseline: 'GNU tar -x',
  candidates: [
    candidate('GNU tar -x', (dir) => spawnChecked(['tar', '-C', dir, '-xf', layer], { timeoutMs: 120_000 })),
    candidate('pure unpackLayer', async (dir) => {
      await unpackLayer(createReadStream(layer), dir);
    }),
  ],
  defaults: { runs: 5, warmup: 1 },
});
