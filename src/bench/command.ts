/**
 * Candidates that spawn a CLI (docker, podman, pure, runc) and the probes that decide, before measuring,
 * whether such a candidate can run here — so an absent peer is skipped with its reason, never dropped.
 */
import { spawn, execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { Internal, Unavailable } from '../errors/index.js';
import type { Candidate } from './runner.js';

export interface SpawnOptions {
  /** Kill the child after this long. Default 60 000 ms. */
  timeoutMs?: number;
}

/**
 * Spawn `argv` with stdio discarded (output handling is not what is measured) and resolve when it exits 0;
 * reject with its exit status and last stderr line otherwise.
 */
export function spawnChecked(argv: readonly string[], opts: SpawnOptions = {}): Promise<void> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Internal('empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: opts.timeoutMs ?? 60_000 });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      // Keep only the tail: we report the last line.
      stderr = (stderr + b.toString('utf8')).slice(-2000);
    });
    child.on('error', (e) => reject(new Internal(`cannot run ${file}: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').pop() ?? '';
      reject(new Internal(`${argv.join(' ')} exited ${code ?? signal}: ${last}`));
    });
  });
}

/** Run a probe command; resolve to null when it exits 0, else to the reason it failed. Bounded by 30 s. */
export function probe(argv: readonly string[]): Promise<string | null> {
  return spawnChecked(argv, { timeoutMs: 30_000 }).then(
    () => null,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
}

/** The absolute path of `file` on $PATH, or null. */
export async function onPath(file: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, file);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** stdout of a command, trimmed; rejects on a non-zero exit. Bounded by 30 s. */
export function output(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000, maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) => {
      if (err) reject(new Internal(`${file} ${args.join(' ')} failed: ${String(stderr).trim().split('\n').pop() || err.message}`));
      else resolve(String(stdout).trim());
    });
  });
}

export interface CliCandidateOptions {
  /** The binary that must be on PATH, e.g. "docker". */
  binary: string;
  /** Extra readiness probes (argv) that must exit 0, e.g. `docker image inspect IMG`. */
  probes?: readonly (readonly string[])[];
}

/**
 * A candidate that spawns `argv` per run. Absent binary or a failing probe turns into a skip reason during
 * `setup`, so the report says exactly why (e.g. "docker info exited 1: Cannot connect to the Docker daemon").
 */
export function cliCandidate(name: string, argv: readonly string[], opts: CliCandidateOptions): Candidate {
  return {
    name,
    async setup() {
      if (!(await onPath(opts.binary))) throw new Unavailable(`'${opts.binary}' is not on PATH`);
      for (const p of opts.probes ?? []) {
        const why = await probe(p);
        if (why !== null) throw new Unavailable(`not ready: ${why}`);
      }
    },
    run: () => spawnChecked(argv),
  };
}
