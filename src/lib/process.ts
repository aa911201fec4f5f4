import { spawn } from 'node:child_process';
import { Internal } from '../errors/index.js';

export interface RunResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Bytes written to the child's stdin, then closed. Default: stdin is /dev/null. */
  input?: string | Buffer;
  /** Environment; default: the daemon's own. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Throw `Internal` when the exit code is not 0. Default true. */
  check?: boolean;
}

/**
 * Run a program with an argv array (never a shell string) and collect its output.
 * With `check` (the default) a non-zero exit throws, naming the program and its last stderr line.
 */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new Internal(`cannot run ${file}: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      const result: RunResult = {
        code: code ?? -1,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if ((opts.check ?? true) && result.code !== 0) {
        const last = result.stderr.trim().split('\n').pop() ?? '';
        reject(new Internal(`${file} ${args[0] ?? ''} failed (exit ${result.code}): ${last}`));
        return;
      }
      resolve(result);
    });
    if (opts.input !== undefined && child.stdin) child.stdin.end(opts.input);
  });
}
