/**
 * Pull of a ~200 MB, 4-layer (gzip) image from a registry on 127.0.0.1 (Debian's docker-registry), including
 * unpacking: `pure pull` against `skopeo copy` to an OCI directory followed by `umoci unpack` — the peer the issue
 * names. Before each run (untimed) the previous copy is removed, so every run downloads and unpacks everything.
 *
 *   npx tsx bench/pull.ts [--runs 5] [--warmup 1] [--out DIR]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, skopeoPush, writeLayout, singleFileTar, type TestRegistry } from '../test/fixtures/registry.js';
import { runTimingBenchmark, spawnChecked, onPath, type Candidate } from './lib/index.js';

const LAYER_MB = 50;
let registry: TestRegistry | undefined;
let work = '';
let ref = '';

async function prepare(): Promise<void> {
  if (registry) return;
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'pure-bench-pull-'));
  // incompressible content: gzip does not shrink it, so the transfer is the full ~200 MB
  const layers = [0, 1, 2, 3].map((i) => singleFileTar(`data/layer${i}.bin`, randomBytes(LAYER_MB << 20).toString('latin1')));
  await writeLayout(join(work, 'layout'), 'v1', [{ layers, gzip: true, cmd: ['sh'] }]);
  ref = `${registry.host}/bench/pull:v1`;
  skopeoPush(join(work, 'layout'), 'v1', ref);
}

const timed = async (body: () => Promise<void>): Promise<{ phasesNs: Record<string, number>; totalNs: number }> => {
  const t0 = process.hrtime.bigint();
  await body();
  const totalNs = Number(process.hrtime.bigint() - t0);
  return { phasesNs: {}, totalNs };
};

const skopeoUmoci: Candidate = {
  name: 'skopeo copy + umoci unpack',
  async setup() {
    for (const bin of ['skopeo', 'umoci']) if (!(await onPath(bin))) throw new Error(`'${bin}' is not on PATH`);
    await prepare();
  },
  async run() {
    const dir = join(work, 'skopeo');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return timed(async () => {
      await spawnChecked(['skopeo', 'copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${join(dir, 'oci')}:v1`], { timeoutMs: 300_000 });
      await spawnChecked(['umoci', 'unpack', '--image', `${join(dir, 'oci')}:v1`, join(dir, 'bundle')], { timeoutMs: 300_000 });
    });
  },
};

const purePull: Candidate = {
  name: 'pure pull',
  async setup() {
    if (!(await onPath('pure'))) throw new Error("'pure' is not on PATH");
    await prepare();
  },
  async run() {
    // removing the image drops its blobs and unpacked layers: the next pull starts from nothing
    await spawnChecked(['pure', 'rmi', '-f', ref]).catch(() => undefined);
    return timed(() => spawnChecked(['pure', 'pull', '-q', ref], { timeoutMs: 300_000 }));
  },
  async teardown() {
    await spawnChecked(['pure', 'rmi', '-f', ref]).catch(() => undefined);
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  },
};

await runTimingBenchmark({
  name: 'pull',
  description: `pull + unpack of a 4-layer gzip image (${4 * LAYER_MB} MiB) from docker-registry on 127.0.0.1`,
  baseline: 'skopeo copy + umoci unpack',
  candidates: [skopeoUmoci, purePull],
  defaults: { runs: 5, warmup: 1 },
});
