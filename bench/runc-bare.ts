/**
 * create + start + wait (+ delete) of one `true` container, measured at the layer each engine exposes to
 * programs: a bare `runc run` of a prepared bundle with the config.json Pure writes (baseline — the floor),
 * the same with `runc spec`'s minimal config, Pure's API v1 and the Docker Engine API on their unix sockets.
 * The goal this checks: Pure's API within 1.5x of bare runc run of an equivalent bundle.
 *
 *   npx tsx bench/runc-bare.ts [--runs 30] [--warmup 3] [--out DIR]
 */
import { dockerApi, lifecycleCandidate, PEERS, pureApi, runcRunCandidate, runTimingBenchmark } from './lib/index.js';

await runTimingBenchmark({
  name: 'runc-bare',
  description: 'create + start + wait + delete of a `true` container: bare runc vs engine APIs',
  baseline: "runc run (Pure's spec)",
  candidates: [
    // the equivalent bundle: the same config.json Pure writes (seccomp filter, caps, masked paths)
    runcRunCandidate("runc run (Pure's spec)", { spec: 'pure' }),
    runcRunCandidate('runc run (runc spec, no seccomp)'),
    lifecycleCandidate('pure API', pureApi(PEERS.pureSocket), PEERS.image),
    lifecycleCandidate('docker API', dockerApi(PEERS.dockerSocket), PEERS.image),
  ],
});
