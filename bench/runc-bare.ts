/**
 * create + start + wait (+ delete) of one `true` container, measured at the layer each engine exposes to
 * programs: a bare `runc run` of a prepared bundle (baseline — the floor), Pure's API v1 and the Docker
 * Engine API on their unix sockets. The goal this checks: Pure's API within 1.5x of bare runc run.
 *
 *   npx tsx bench/runc-bare.ts [--runs 30] [--warmup 3] [--out DIR]
 */
import { dockerApi, lifecycleCandidate, PEERS, pureApi, runcRunCandidate, runTimingBenchmark } from './lib/index.js';

await runTimingBenchmark({
  name: 'runc-bare',
  description: 'create + start + wait + delete of a `true` container: bare runc vs engine APIs',
  baseline: 'runc run (bare)',
  candidates: [
    runcRunCandidate('runc run (bare)'),
    // TODO(lead): goes live once the daemon serves /v1 on PEERS.pureSocket and has pure-bench/busybox.
    lifecycleCandidate('pure API', pureApi(PEERS.pureSocket), PEERS.image),
    lifecycleCandidate('docker API', dockerApi(PEERS.dockerSocket), PEERS.image),
  ],
});
