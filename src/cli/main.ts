/**
 * The `pure` CLI's composition root: builds the client context and the commander program, runs one
 * command, turns its outcome into an exit code. The CLI is a thin client of the daemon's API; only `pure
 * daemon` loads the daemon (lazily, in-process). Start-up cost matters (`pure run --rm IMG true` is
 * benchmarked against docker), so heavy modules (ws, the daemon) are imported only by the commands that use them,
 * and each command module only when its command runs (COMMAND_MODULES).
 */
import { Command, CommanderError } from 'commander';
import type { Writable } from 'node:stream';
import { ApiClient, DEFAULT_SOCKET, socketFromHost } from './client.js';
import { printError, type CliContext } from './context.js';
import { PURE_VERSION } from '../version.js';

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
      const { runDaemon } = await import('./system-commands.js');
      await runDaemon(rest);
      return 0;
    }
    const program = await buildProgram(ctx, command);
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : failure;
    printError(ctx, err);
    return failure;
  }
}

type Register = (program: Command, ctx: CliContext) => void;

interface CommandModule {
  /** The top-level command words (and aliases) the module registers. */
  words: readonly string[];
  load(): Promise<Register>;
}

/**
 * The modules that register commands, in the order `pure --help` lists them, each imported only when needed:
 * `pure ps` loads and registers container-list.ts alone, so it pays neither for commander building ~200 other
 * commands and options nor (in the CommonJS bundle) for initialising their modules and the node: built-ins
 * they import. A word several modules extend (`image`) loads them all; `help`, an unknown word or none loads
 * every module, so help and commander's "did you mean" see every command. main.test.ts checks `words`
 * against what each module registers.
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  { words: ['create', 'run', 'start', 'exec'], load: async () => (await import('./run-command.js')).registerRunCommands },
  {
    words: ['stop', 'restart', 'kill', 'pause', 'unpause', 'rm', 'wait', 'logs', 'inspect'],
    load: async () => (await import('./container-commands.js')).registerContainerCommands,
  },
  { words: ['ps', 'stats'], load: async () => (await import('./container-list.js')).registerListCommands },
  { words: ['image', 'import', 'load', 'images', 'tag', 'rmi'], load: async () => (await import('./image-commands.js')).registerImageCommands },
  { words: ['image', 'pull', 'push', 'save', 'login', 'logout'], load: async () => (await import('./registry-commands.js')).registerRegistryCommands },
  { words: ['image', 'system'], load: async () => (await import('./storage-commands.js')).registerStorageCommands },
  { words: ['volume'], load: async () => (await import('./volume-commands.js')).registerVolumeCommands },
  { words: ['network', 'port'], load: async () => (await import('./network-commands.js')).registerNetworkCommands },
  { words: ['sandbox'], load: async () => (await import('./sandbox-commands.js')).registerSandboxCommands },
  { words: ['bench'], load: async () => (await import('./bench-commands.js')).registerBenchCommands },
  {
    words: ['up', 'down', 'config', 'scale', 'stack', 'compose'],
    load: async () => (await import('./stack-commands.js')).registerStackCommands,
  },
  { words: ['events'], load: async () => (await import('./event-commands.js')).registerEventCommands },
  { words: ['version', 'info', 'daemon'], load: async () => (await import('./system-commands.js')).registerSystemCommands },
];

/** The program with the commands of `command` registered (every command when it is undefined or unknown). */
export async function buildProgram(ctx: CliContext, command?: string): Promise<Command> {
  const program = new Command('pure')
    .description('Pure: run containers over runc. Every command talks to the daemon (start it with: pure daemon &).')
    .version(PURE_VERSION, '--version', 'print the client version')
    .option('-H, --host <url>', 'daemon socket: unix:///path (default $PURE_SOCKET or unix:///run/pure/pure.sock)')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: (s, write) => write(`pure: ${s.replace(/^error: /, '')}`),
    });
  const owners = COMMAND_MODULES.filter((m) => command !== undefined && m.words.includes(command));
  const registers = await Promise.all((owners.length > 0 ? owners : COMMAND_MODULES).map((m) => m.load()));
  for (const register of registers) register(program, ctx);
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
