/**
 * The floor under every runc-based engine: `runc run` of a prepared bundle, in the foreground, which is
 * create + start + wait + delete in one process. The bundle is made once (busybox rootfs as a plain
 * directory, config from `runc spec`, so the default namespaces incl. network stay), under a private
 * `--root` state directory, so the benchmark neither sees nor touches anyone else's runc containers.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBusyboxRootfs } from '../../test/fixtures/busybox.js';
import { buildSpec, nofileCeiling } from '../../src/engine/runtime/index.js';
import { output, spawnChecked } from './command.js';
import type { Candidate } from './runner.js';

interface OciProcess {
  terminal?: boolean;
  args?: string[];
}

/**
 * `spec: 'pure'` writes the config.json Pure's daemon would write for the same container (its seccomp
 * profile, capabilities, masked paths, mounts, rlimits): the "equivalent bundle" the engine is compared
 * with. `spec: 'runc'` (default) keeps `runc spec`'s minimal config, which has no seccomp filter.
 */
export function runcRunCandidate(
  name = 'runc run (bare)',
  opts: { runc?: string; cmd?: readonly string[]; spec?: 'runc' | 'pure' } = {},
): Candidate {
  const runc = opts.runc ?? 'runc';
  let dir = '';
  let seq = 0;
  const stateRoot = (): string => join(dir, 'state');
  const bundle = (): string => join(dir, 'bundle');
  return {
    name,
    async setup() {
      dir = await mkdtemp(join(tmpdir(), 'pure-bench-runc-'));
      await makeBusyboxRootfs(join(bundle(), 'rootfs'));
      await spawnChecked([runc, 'spec', '--bundle', bundle()]);
      const configPath = join(bundle(), 'config.json');
      const config = JSON.parse(await readFile(configPath, 'utf8')) as { process: OciProcess };
      // No terminal: the benchmark has none to give, and every peer runs `true` detached from a tty.
      config.process.terminal = false;
      config.process.args = [...(opts.cmd ?? ['true'])];
      const spec =
        opts.spec === 'pure'
          ? buildSpec({
              id: `pure-bench-${process.pid}`,
              rootfs: join(bundle(), 'rootfs'),
              args: [...(opts.cmd ?? ['true'])],
              cgroupsPath: `/pure-bench/${process.pid}`,
              nofileCeiling: (await nofileCeiling()) ?? undefined,
              kernelRelease: release(),
            })
          : config;
      await writeFile(configPath, JSON.stringify(spec, null, 2));
    },
    async run() {
      seq += 1;
      await spawnChecked([runc, '--root', stateRoot(), 'run', '--bundle', bundle(), `pure-bench-${process.pid}-${seq}`]);
    },
    async teardown() {
      if (!dir) return;
      // A run killed half-way can leave a container in our private state root: remove it before the files.
      const listed = await output(runc, ['--root', stateRoot(), 'list', '-q']).catch(() => '');
      for (const id of listed.split('\n').filter(Boolean)) {
        await spawnChecked([runc, '--root', stateRoot(), 'delete', '--force', id]).catch(() => {});
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
