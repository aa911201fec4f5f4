/**
 * "Start to exit with a network": the wall time of `run --rm IMG true` on the default bridge network (a netns,
 * a veth, an IPAM lease, portmap, then all of it released) against `--network none`, for Pure and Docker in
 * the same run. The gap between a peer's two rows is what its bridge networking costs per container.
 *
 *   npx tsx bench/network-start.ts [--runs 30] [--warmup 3] [--out DIR]
 */
import { cliCandidate, PEERS, runTimingBenchmark } from './lib/index.js';

const IMG = PEERS.image;
const peer = (label: string, bin: string, probe: string[], net: string[]) =>
  cliCandidate(label, [bin, 'run', '--rm', ...net, IMG, 'true'], { binary: bin, probes: [probe] });

await runTimingBenchmark({
  name: 'network-start',
  description: `CLI to exit of \`run --rm IMG true\` on the default bridge network vs --network none`,
  baseline: 'docker run --network none',
  candidates: [
    peer('docker run --network none', 'docker', ['docker', 'image', 'inspect', IMG], ['--network', 'none']),
    peer('docker run (bridge)', 'docker', ['docker', 'image', 'inspect', IMG], []),
    peer('pure run --network none', 'pure', ['pure', 'image', 'inspect', IMG], ['--network', 'none']),
    peer('pure run (bridge)', 'pure', ['pure', 'image', 'inspect', IMG], []),
  ],
});
