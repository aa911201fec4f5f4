/**
 * Lifecycle and read commands on existing containers: stop, kill, restart, pause, unpause, rm, wait, logs,
 * inspect. Multi-target verbs act on each target and print it, as docker does.
 */
import type { Command } from 'commander';
import { InvalidArgument, NotFound, PureError } from '../errors/index.js';
import type { LogEntry, WaitResponse } from '../api/types.js';
import { parseSignal } from './run-options.js';
import { checkFormat, forEachTarget, printError, seg, type CliContext } from './context.js';

export function registerContainerCommands(program: Command, ctx: CliContext): void {
  const post = (target: string, action: string, query?: Record<string, string | number | boolean | undefined>) =>
    ctx.client().json('POST', `/v1/containers/${seg(target)}/${action}`, undefined, { query });

  program
    .command('stop')
    .description('stop running containers: the stop signal, then SIGKILL after the grace period')
    .option('-t, --time <seconds>', 'seconds to wait before SIGKILL (default: the container\'s, else 10)')
    .argument('<container...>')
    .action(async (targets: string[], opts: { time?: string }) => {
      const timeout = opts.time === undefined ? undefined : parseSeconds(opts.time, '-t');
      await forEachTarget(ctx, targets, (c) => post(c, 'stop', { timeout }).then(() => undefined));
    });

  program
    .command('restart')
    .description('stop (like stop) then start containers')
    .option('-t, --time <seconds>', 'seconds to wait before SIGKILL (default: the container\'s, else 10)')
    .argument('<container...>')
    .action(async (targets: string[], opts: { time?: string }) => {
      const timeout = opts.time === undefined ? undefined : parseSeconds(opts.time, '-t');
      await forEachTarget(ctx, targets, (c) => post(c, 'restart', { timeout }).then(() => undefined));
    });

  program
    .command('kill')
    .description('send a signal to the main process of running containers')
    .option('-s, --signal <signal>', 'signal to send, by name or number', 'SIGKILL')
    .argument('<container...>')
    .action(async (targets: string[], opts: { signal: string }) => {
      const signal = parseSignal(opts.signal, '--signal');
      await forEachTarget(ctx, targets, (c) => post(c, 'kill', { signal }).then(() => undefined));
    });

  for (const [verb, what] of [
    ['pause', 'freeze every process of containers (cgroup freezer)'],
    ['unpause', 'thaw paused containers'],
  ] as const) {
    program
      .command(verb)
      .description(what)
      .argument('<container...>')
      .action(async (targets: string[]) => {
        await forEachTarget(ctx, targets, (c) => post(c, verb).then(() => undefined));
      });
  }

  program
    .command('rm')
    .description('remove containers')
    .option('-f, --force', 'kill and remove running containers')
    .option('-v, --volumes', 'remove the containers\' anonymous volumes too (named volumes stay)')
    .argument('<container...>')
    .action(async (targets: string[], opts: { force?: boolean; volumes?: boolean }) => {
      await forEachTarget(ctx, targets, async (c) => {
        await ctx.client().json('DELETE', `/v1/containers/${seg(c)}`, undefined, { query: { force: opts.force, v: opts.volumes } });
      });
    });

  program
    .command('wait')
    .description('block until containers stop, then print their exit codes')
    .argument('<container...>')
    .action(async (targets: string[]) => {
      await forEachTarget(ctx, targets, async (c) => {
        const res = await ctx.client().json<WaitResponse>('POST', `/v1/containers/${seg(c)}/wait`);
        return String(res.exitCode);
      });
    });

  program
    .command('logs')
    .description('print a container\'s output (stdout to stdout, stderr to stderr)')
    .option('-f, --follow', 'keep printing new output until the container stops')
    .option('-n, --tail <lines>', 'only the last N lines ("all" for everything)')
    .option('-t, --timestamps', 'prefix each line with its RFC 3339 time')
    .argument('<container>')
    .action(async (container: string, opts: { follow?: boolean; tail?: string; timestamps?: boolean }) => {
      const tail = opts.tail === undefined || opts.tail === 'all' ? undefined : parseSeconds(opts.tail, '--tail');
      const entries = ctx.client().stream<LogEntry>(`/v1/containers/${seg(container)}/logs`, {
        query: { follow: opts.follow, tail, timestamps: opts.timestamps, stdout: true, stderr: true },
      });
      for await (const entry of entries) {
        const out = entry.stream === 'stderr' ? ctx.stderr : ctx.stdout;
        out.write(opts.timestamps ? `${entry.time} ${entry.data}` : entry.data);
      }
    });

  program
    .command('inspect')
    .description('print low-level information on containers or images as a JSON array')
    .option('--type <type>', 'only look for a container or an image')
    .option('-f, --format <format>', 'output format: json (the default)')
    .argument('<name...>', 'container or image names or ids')
    .action(async (targets: string[], opts: { type?: string; format?: string }) => {
      checkFormat(opts.format);
      if (opts.type !== undefined && opts.type !== 'container' && opts.type !== 'image') {
        throw new InvalidArgument(`invalid --type "${opts.type}": use container or image`);
      }
      const found: unknown[] = [];
      for (const target of targets) {
        try {
          found.push(await inspectOne(ctx, target, opts.type));
        } catch (err) {
          printError(ctx, err);
          ctx.exitCode = Math.max(ctx.exitCode, 1);
        }
      }
      ctx.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    });
}

async function inspectOne(ctx: CliContext, target: string, type: string | undefined): Promise<unknown> {
  const client = ctx.client();
  if (type !== 'image') {
    try {
      return await client.json('GET', `/v1/containers/${seg(target)}`);
    } catch (err) {
      if (!(err instanceof PureError && err.code === 'not_found') || type === 'container') throw err;
    }
  }
  try {
    return await client.json('GET', `/v1/images/${seg(target)}`);
  } catch (err) {
    if (err instanceof PureError && err.code === 'not_found' && type === undefined) {
      throw new NotFound(`no such object: "${target}"`, { cause: err });
    }
    throw err;
  }
}

function parseSeconds(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgument(`invalid ${flag} "${text}": a non-negative integer is required`);
  return Number(text);
}
