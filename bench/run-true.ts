/**
 * "CLI to exit": the wall time from spawning a container CLI to its exit, for `run --rm IMG true` — what a user
 * (or a CI job, or a grader) waits for on the smallest possible container. Each peer runs the same busybox
 * image (pure-bench/busybox, imported by scripts/install-peers.sh) with no network.
 *
 *   npx tsx bench/run-true.ts [--runs 30] [--warmup 3] [--out DIR]
 *
 * Baseline: docker. Pure is a candidate like the others and is skipped with its reason until `pure` is on PATH.
 */
import { cliCandidate, PEERS, runTimingBenchmark } from './lib/index.js';

const IMG = PEERS.image;

await runTimingBenchmark({
  name: 'run-true',
  description: `CLI to exit of \`run --rm --network none ${IMG} true\``,
  baseline: 'docker run',
  candidates: [
    cliCandidate('docker run', ['docker', 'run', '--rm', '--network', 'none', IMG, 'true'], {
      binary: 'docker',
      probes: [['docker', 'image', 'inspect', IMG]],
    }),
    cliCandidate('podman run', ['podman', 'run', '--rm', '--network', 'none', IMG, 'true'], {
      binary: 'podman',
      probes: [['podman', 'image', 'exists', IMG]],
    }),
    // Needs `pure` on PATH, its daemon up, and the image imported (scripts/install-peers.sh does it).
    cliCandidate('pure run', ['pure', 'run', '--rm', '--network', 'none', IMG, 'true'], {
      binary: 'pure',
      probes: [['pure', 'image', 'inspect', IMG]],
    }),
  ],
});
