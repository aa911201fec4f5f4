/**
 * Idle memory: the daemon's own RSS when idle, and the host memory each idle container costs beyond its own
 * processes (its monitor — conmon or containerd-shim — plus what the daemons grew), for K `sleep 3600`
 * containers per engine. Engines are measured one after the other; each removes its containers at the end.
 *
 *   npx tsx bench/idle-memory.ts [--containers 20] [--out DIR]
 */
import { readFile } from 'node:fs/promises';
import { Unavailable } from '../src/errors/index.js';
import {
  describeMachine,
  dockerApi,
  listProcesses,
  machineTable,
  markdownTable,
  measureIdleFootprint,
  onPath,
  output,
  parseBenchArgs,
  PEERS,
  pureApi,
  writeReport,
  type FootprintResult,
  type FootprintSubject,
} from './lib/index.js';

const IDLE_CMD = ['sleep', '3600'];

/** The `pure daemon` process: from its pid file, else the process whose argv is `... pure ... daemon`. */
async function pureDaemonPids(): Promise<number[]> {
  const fromFile = Number((await readFile(PEERS.purePidFile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(fromFile) && fromFile > 0) return [fromFile];
  const found = (await listProcesses()).filter((p) => p.argv.includes('daemon') && p.argv.some((a) => /(^|\/)pure(\.[jt]s)?$/.test(a)));
  return found.map((p) => p.pid);
}

// Pure's subject: containers through API v1; each has one conmon, with the container id in its argv (`-c <id>`).
const pure: FootprintSubject = (() => {
  const api = pureApi(PEERS.pureSocket);
  return {
    name: 'pure',
    monitorComm: 'conmon',
    ready: () => api.ready(PEERS.image),
    daemonPids: pureDaemonPids,
    async startIdle() {
      const id = await api.create(PEERS.image, IDLE_CMD);
      await api.start(id);
      return id;
    },
    remove: (id) => api.remove(id, true),
  };
})();

const docker: FootprintSubject = (() => {
  const api = dockerApi(PEERS.dockerSocket);
  return {
    name: 'docker',
    monitorComm: 'containerd-shim', // containerd-shim-runc-v2, cut to 15 characters by the kernel
    ready: () => api.ready(PEERS.image),
    async daemonPids() {
      return (await listProcesses()).filter((p) => p.comm === 'dockerd' || p.comm === 'containerd').map((p) => p.pid);
    },
    async startIdle() {
      const id = await api.create(PEERS.image, IDLE_CMD);
      await api.start(id);
      return id;
    },
    remove: (id) => api.remove(id, true),
  };
})();

const podman: FootprintSubject = {
  name: 'podman',
  monitorComm: 'conmon',
  async ready() {
    if (!(await onPath('podman'))) throw new Unavailable("'podman' is not on PATH");
    await output('podman', ['image', 'exists', PEERS.image]).catch(() => {
      throw new Unavailable(`podman has no image ${PEERS.image}; run scripts/install-peers.sh`);
    });
  },
  daemonPids: () => Promise.resolve([]), // daemonless: conmon is all it leaves running
  startIdle: () => output('podman', ['run', '-d', '--network', 'none', PEERS.image, ...IDLE_CMD]),
  remove: (id) => output('podman', ['rm', '-f', '-t', '0', id]).then(() => {}),
};

// --runs/--warmup are accepted for uniformity but unused: this benchmark takes one reading per engine.
const cli = parseBenchArgs(process.argv.slice(2), { runs: 1, warmup: 0, extra: { containers: 20 } });
const containers = cli.extra.containers!;
const outDir = cli.out;
const log = (line: string): void => void process.stderr.write(`[idle-memory] ${line}\n`);

const machine = await describeMachine();
const results: FootprintResult[] = [];
for (const subject of [pure, docker, podman]) {
  log(`${subject.name}: ${containers} idle containers`);
  const r = await measureIdleFootprint(subject, containers, { log });
  if (r.reason) log(`${subject.name}: ${r.status}: ${r.reason}`);
  for (const e of r.cleanupErrors) log(`${subject.name}: cleanup: ${e}`);
  results.push(r);
}

const mib = (b: number | null): string => (b === null ? '' : (b / 2 ** 20).toFixed(2));
const daemonless = (r: FootprintResult): string | null => (r.daemonPids.length === 0 ? 'no daemon' : null);
const table = markdownTable(
  ['engine', 'status', 'K', 'daemon idle RSS MiB', 'daemon growth MiB', 'monitors', 'monitor PSS MiB', 'per container MiB'],
  results.map((r) =>
    r.status === 'ok'
      ? [r.name, 'ok', String(r.containers), daemonless(r) ?? mib(r.daemonIdleRssBytes), daemonless(r) ?? mib(r.daemonGrowthBytes), String(r.monitorCount), mib(r.monitorPssBytes), mib(r.perContainerBytes)]
      : [r.name, `${r.status}: ${r.reason ?? ''}`, String(r.containers), mib(r.daemonIdleRssBytes), '', '', '', ''],
  ),
);
const path = await writeReport(outDir, 'idle-memory', {
  benchmark: 'idle-memory',
  date: new Date().toISOString(),
  description: `daemon idle RSS and per-container host memory of ${containers} idle \`sleep 3600\` containers`,
  machine,
  results,
});
process.stdout.write(`## idle-memory: ${containers} idle containers per engine\n\n${table}\n\n${machineTable(machine)}\n\nraw: ${path}\n`);
