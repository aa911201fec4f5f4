/**
 * The container engines `pure bench` compares, each driven through its own CLI — the way the INGInious study
 * drove Docker, Podman and LXD (its appendix A: one command per lifecycle step) — so every phase a table shows
 * includes what a user of that engine really waits for, its CLI's start-up included.
 *
 * An engine is "pure" (the daemon `pure bench` was pointed at), "pure (copy)" (a private daemon on a temp root
 * with --snapshotter copy, see private-daemon.ts), "docker" or "podman".
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Internal, Unavailable } from '../errors/index.js';
import { onPath } from './command.js';

/** bin/pure of this checkout: src/bench/ and dist/bench/ both sit two levels under the repository. */
export const PURE_BIN = fileURLToPath(new URL('../../bin/pure', import.meta.url));

export interface Engine {
  /** Row label prefix: "pure", "pure (copy)", "docker", "podman". */
  readonly name: string;
  /** The CLI and the environment it runs with. */
  readonly argv0: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Does the daemon support the `-p 127.0.0.1:H:C` and `--network bridge` path here? Docker here runs --bridge=none. */
  readonly supportsBridge: boolean;
  /**
   * Extra `rm -f` flags so it kills at once. docker and pure `rm -f` SIGKILL; podman 4.3 first waits its 10 s
   * stop timeout for a `sleep` that ignores SIGTERM as pid 1, unless given `-t 0`.
   */
  readonly rmNowFlags?: readonly string[];
}

/** `rm` that kills at once: the untimed cleanup after every run. */
export function removeNowArgs(engine: Engine, ids: readonly string[]): string[] {
  return ['rm', '-f', '-v', ...(engine.rmNowFlags ?? []), ...ids];
}

export interface CliOptions {
  /** Kill the CLI after this long. Default 300 000 ms (extracting 100 000 files takes a while). */
  timeoutMs?: number;
}

/** Run the engine's CLI; resolves with stdout (trimmed) when it exits 0, else rejects with its last stderr line. */
export function engineCli(engine: Engine, args: readonly string[], opts: CliOptions = {}): Promise<string> {
  const [file, ...pre] = engine.argv0;
  return new Promise((resolve, reject) => {
    execFile(
      file!,
      [...pre, ...args],
      { env: { ...engine.env }, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 * 2 ** 20 },
      (err, stdout, stderr) => {
        if (!err) return resolve(String(stdout).trim());
        const last = String(stderr).trim().split('\n').pop() || err.message;
        reject(new Internal(`${engine.name}: ${args.slice(0, 3).join(' ')}… failed: ${last}`));
      },
    );
  });
}

/** Pure's CLI on the daemon at `socket`. */
export function pureEngine(socket: string, name = 'pure'): Engine {
  return { name, argv0: [PURE_BIN], env: { ...process.env, PURE_SOCKET: socket }, supportsBridge: true };
}

export function dockerEngine(): Engine {
  // dockerd on this host runs with --bridge=none (scripts/install-peers.sh): the probe in readyEngine says so.
  return { name: 'docker', argv0: ['docker'], env: process.env, supportsBridge: true };
}

export function podmanEngine(): Engine {
  return { name: 'podman', argv0: ['podman'], env: process.env, supportsBridge: true, rmNowFlags: ['-t', '0'] };
}

/** Throws `Unavailable` with why when the engine's CLI is absent or its daemon does not answer. */
export async function readyEngine(engine: Engine): Promise<void> {
  const bin = engine.argv0[0]!;
  if (bin.startsWith('/') ? false : !(await onPath(bin))) throw new Unavailable(`'${bin}' is not on PATH`);
  await engineCli(engine, engine.name.startsWith('pure') ? ['version'] : ['info'], { timeoutMs: 30_000 }).catch((e: unknown) => {
    throw new Unavailable(`${engine.name} does not answer: ${e instanceof Error ? e.message : String(e)}`);
  });
}

/** Import the rootfs tarball `tar` as `ref` (CMD sh) unless the engine already has it. */
export async function ensureImage(engine: Engine, ref: string, tar: string): Promise<void> {
  const has = await engineCli(engine, ['image', 'inspect', ref], { timeoutMs: 30_000 }).then(
    () => true,
    () => false,
  );
  if (has) return;
  await engineCli(engine, ['import', '--change', 'CMD ["sh"]', tar, ref]);
}

/**
 * Spawn `argv` with every stdio going to /dev/null and resolve on exit 0 — for `runc create`, whose container
 * inherits runc's stdio: a pipe would stay open as long as the container lives.
 */
export function spawnDetached(argv: readonly string[], timeoutMs = 60_000): Promise<void> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(file!, args, { stdio: 'ignore', timeout: timeoutMs });
    child.on('error', (e) => reject(new Internal(`cannot run ${file}: ${e.message}`, { cause: e })));
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Internal(`${argv.join(' ')} exited ${code ?? signal}`))));
  });
}
