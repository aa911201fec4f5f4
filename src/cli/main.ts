/**
 * The `pure` CLI's composition root: builds the client context and the commander program, runs one
 * command, turns its outcome into an exit code. The CLI is a thin client of the daemon's API; only `pure
 * daemon` loads the daemon (lazily, in-process). Start-up cost matters (`pure run --rm IMG true` is
 * benchmarked against docker), so heavy modules (ws, the daemon) are imported only by the commands that use them.
 */
import { Command, CommanderError } from 'commander';
import type { Writable } from 'node:stream';
import { ApiClient, DEFAULT_SOCKET, socketFromHost } from './client.js';
import { printError, type CliContext } from './context.js';
import { registerRunCommands } from './run-command.js';
import { registerContainerCommands } from './container-commands.js';
import { registerListCommands } from './container-list.js';
import { registerImageCommands } from './image-commands.js';
import { registerRegistryCommands } from './registry-commands.js';
import { registerStorageCommands } from './storage-commands.js';
import { registerVolumeCommands } from './volume-commands.js';
import { registerNetworkCommands } from './network-commands.js';
import { registerSandboxCommands } from './sandbox-commands.js';
import { registerBenchCommands } from './bench-commands.js';
import { registerStackCommands } from './stack-commands.js';
import { registerSystemCommands, runDaemon, CLIENT_VERSION } from './system-commands.js';
import { registerEventCommands } from './event-commands.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: NodeJS.ReadStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Commands that fail with 125 when Pure itself fails, as docker's run/create do (the process's codes pass through). */
const PURE_FAILURE_125 = new Set(['run', 'create', 'start']);

/** Run one CLI invocation; resolves with the exit code (for `pure daemon`, once the daemon has stopped). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { command, host, rest } = splitGlobal(argv);
  let client: ApiClient | undefined;
  const ctx: CliContext = {
    client: () => (client ??= new ApiClient(host ? socketFromHost(host) : io.env.PURE_SOCKET || DEFAULT_SOCKET)),
    stdout: io.stdout,
    stderr: io.stderr,
    get stdin() {
      return io.stdin;
    },
    env: io.env,
    cwd: io.cwd,
    now: () => Date.now(),
    exitCode: 0,
  };
  const failure = command !== undefined && PURE_FAILURE_125.has(command) ? 125 : 1;
  try {
    if (command === 'daemon') {
      // The daemon parses its own flags (and --help); it resolves when it has shut down.
      await runDaemon(rest);
      return 0;
    }
    const program = buildProgram(ctx);
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : failure;
    printError(ctx, err);
    return failure;
  }
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('pure')
    .description('Pure: run containers over runc. Every command talks to the daemon (start it with: pure daemon &).')
    .version(CLIENT_VERSION, '--version', 'print the client version')
    .option('-H, --host <url>', 'daemon socket: unix:///path (default $PURE_SOCKET or unix:///run/pure/pure.sock)')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: (s, write) => write(`pure: ${s.replace(/^error: /, '')}`),
    });
  registerRunCommands(program, ctx);
  registerContainerCommands(program, ctx);
  registerListCommands(program, ctx);
  registerImageCommands(program, ctx);
  registerRegistryCommands(program, ctx);
  registerStorageCommands(program, ctx);
  registerVolumeCommands(program, ctx);
  registerNetworkCommands(program, ctx);
  registerSandboxCommands(program, ctx);
  registerBenchCommands(program, ctx);
  registerStackCommands(program, ctx);
  registerEventCommands(program, ctx);
  registerSystemCommands(program, ctx);
  return program;
}

/** The global options before the command word, the command word, and what follows it. */
export function splitGlobal(argv: readonly string[]): { host?: string; command?: string; rest: string[] } {
  let host: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '-H' || word === '--host') {
      host = argv[++i];
    } else if (word.startsWith('--host=')) {
      host = word.slice('--host='.length);
    } else if (word.startsWith('-')) {
      continue;
    } else {
      return { host, command: word, rest: argv.slice(i + 1) };
    }
  }
  return { host, rest: [] };
}

/** The process entry (bin/pure): run one command and exit with its code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // `pure ps | head -1`: the reader left; stop quietly instead of dying on an unhandled EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  const code = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
  });
  // Explicit exit: a forwarded stdin or a kept-alive socket must not hold the process open after the command.
  // Writes to pipes, files and TTYs are synchronous on Linux, so nothing printed is lost.
  process.exit(code);
}
