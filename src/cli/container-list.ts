/** `ps` and `stats`: the container listings, as docker lays them out. */
import type { Command } from 'commander';
import type { ContainerStats, ContainerSummary } from '../api/types.js';
import { formatBinaryBytes, formatSize, ellipsis, percent, renderTable, shortId, statusText, timeAgo } from './format.js';
import { checkFormat, collect, printError, printJsonLines, seg, type CliContext } from './context.js';

export function registerListCommands(program: Command, ctx: CliContext): void {
  program
    .command('ps')
    .description('list containers (running ones unless -a)')
    .option('-a, --all', 'show all containers, not only running ones')
    .option('-q, --quiet', 'only print container ids')
    .option('-f, --filter <key=value>', 'filter: id, name, status, label=k[=v], ancestor, exited, health=starting|healthy|unhealthy|none; repeatable', collect)
    .option('--no-trunc', 'do not truncate ids and commands')
    .option('--format <format>', 'output format: table (default) or json (one object per line)')
    .action(async (opts: { all?: boolean; quiet?: boolean; filter?: string[]; trunc: boolean; format?: string }) => {
      const json = checkFormat(opts.format);
      const list = await ctx
        .client()
        .json<ContainerSummary[]>('GET', '/v1/containers', undefined, { query: { all: opts.all, filter: opts.filter ?? [] } });
      if (opts.quiet) {
        for (const c of list) ctx.stdout.write(`${opts.trunc ? shortId(c.id) : c.id}\n`);
      } else if (json) {
        printJsonLines(ctx, list);
      } else {
        ctx.stdout.write(psTable(list, ctx.now(), opts.trunc));
      }
    });

  program
    .command('stats')
    .description('show containers\' CPU, memory, block I/O and pids usage (live unless --no-stream)')
    .option('-a, --all', 'show all containers (running ones by default)')
    .option('--no-stream', 'print one sample and exit')
    .option('--format <format>', 'output format: table (default) or json (one object per line)')
    .argument('[container...]')
    .action(async (targets: string[], opts: { all?: boolean; stream: boolean; format?: string }) => {
      const json = checkFormat(opts.format);
      let names = targets;
      if (names.length === 0) {
        const list = await ctx.client().json<ContainerSummary[]>('GET', '/v1/containers', undefined, { query: { all: opts.all } });
        names = list.map((c) => c.id);
      }
      if (!opts.stream) {
        const samples: ContainerStats[] = [];
        for (const name of names) {
          try {
            samples.push(await ctx.client().json<ContainerStats>('GET', `/v1/containers/${seg(name)}/stats`));
          } catch (err) {
            printError(ctx, err);
            ctx.exitCode = Math.max(ctx.exitCode, 1);
          }
        }
        if (json) printJsonLines(ctx, samples);
        else ctx.stdout.write(statsTable(samples));
        return;
      }
      await streamStats(ctx, names, json);
    });
}

/** Live stats: one NDJSON stream per container; the table is redrawn (ANSI clear) as samples arrive. */
async function streamStats(ctx: CliContext, names: readonly string[], json: boolean): Promise<void> {
  const latest = new Map<string, ContainerStats>();
  const redraw = (): void => {
    if (json) return;
    ctx.stdout.write(`\x1b[2J\x1b[H${statsTable(names.flatMap((n) => latest.get(n) ?? []))}`);
  };
  await Promise.all(
    names.map(async (name) => {
      try {
        for await (const s of ctx.client().stream<ContainerStats>(`/v1/containers/${seg(name)}/stats`, { query: { stream: true } })) {
          latest.set(name, s);
          if (json) ctx.stdout.write(`${JSON.stringify(s)}\n`);
          else redraw();
        }
      } catch (err) {
        printError(ctx, err);
        ctx.exitCode = Math.max(ctx.exitCode, 1);
      }
    }),
  );
}

export function psTable(list: readonly ContainerSummary[], now: number, trunc = true): string {
  const rows = list.map((c) => [
    trunc ? shortId(c.id) : c.id,
    c.image,
    `"${trunc ? ellipsis(c.command, 20) : c.command}"`,
    timeAgo(c.created, now),
    statusText(c, now),
    c.name.replace(/^\//, ''),
  ]);
  return renderTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'NAMES'], rows);
}

export function statsTable(samples: readonly ContainerStats[]): string {
  const rows = samples.map((s) => [
    shortId(s.id),
    s.name.replace(/^\//, ''),
    percent(s.cpuPercent),
    `${formatBinaryBytes(s.memoryUsage)} / ${formatBinaryBytes(s.memoryLimit)}`,
    percent(s.memoryPercent),
    `${formatSize(s.blkioRead)} / ${formatSize(s.blkioWrite)}`,
    String(s.pids),
  ]);
  return renderTable(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'BLOCK I/O', 'PIDS'], rows);
}
