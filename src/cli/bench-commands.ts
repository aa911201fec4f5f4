/**
 * `pure bench [boot|io|net|overhead|all]`: the published container experiments, run by this CLI process
 * against the daemon (through its CLI) and the peers (through theirs). The bench module — and vega, resvg —
 * is imported only when this command runs, from outside the bundle, so no other command's start-up pays for it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type * as BenchModule from '../bench/index.js';
import { InvalidArgument } from '../errors/index.js';
import type { CliContext } from './context.js';

async function loadBench(): Promise<typeof BenchModule> {
  // dist/pure.cjs (bundled) sits beside dist/bench/; dist/cli/*.js and src/cli/*.ts one level down
  const bundled = new URL('./bench/index.js', import.meta.url);
  const entry = existsSync(fileURLToPath(bundled)) ? bundled : new URL('../bench/index.js', import.meta.url);
  return (await import(entry.href)) as typeof BenchModule;
}

function count(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 10_000) throw new InvalidArgument(`invalid ${flag} "${v}": want a whole number 0..10000`);
    return n;
  };
}

interface BenchFlags {
  runs?: number;
  warmup?: number;
  only?: string;
  quick?: boolean;
  out?: string;
  cache?: string;
  budget?: number;
}

export function registerBenchCommands(program: Command, ctx: CliContext): void {
  program
    .command('bench')
    .description('rerun the published container experiments (boot, io, net, overhead) for Pure and its peers; writes a report')
    .argument('[experiment]', 'boot, io, net, overhead, a comma list of them, or all', 'all')
    .option('--runs <n>', 'measured runs per case (default: per experiment, 3..10)', count('--runs'))
    .option('--warmup <n>', 'discarded warm-up runs per case (default: per experiment, 1..2)', count('--warmup'))
    .option('--only <candidates>', 'comma list of words; keep candidates whose name contains one (e.g. pure,docker)')
    .option('--quick', 'a few runs and small sizes: a first look, or a smoke test')
    .option('--out <dir>', 'where the report goes (default ./pure-bench-<date>)')
    .option('--budget <minutes>', 'time budget of the whole run: cases stop adding runs (keeping at least 3) when it runs out; 0 = none (default 14, none with --quick)', count('--budget'))
    .option('--cache <dir>', 'where the bench image, databases and file sets are kept between runs', '/var/tmp/pure-bench')
    .action(async (experiment: string, flags: BenchFlags) => {
      const bench = await loadBench();
      const experiments = bench.parseExperiments(experiment);
      const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
      const out = resolve(ctx.cwd, flags.out ?? `pure-bench-${stamp}`);
      const only = flags.only ? flags.only.split(',').map((w) => w.trim()).filter(Boolean) : null;
      const tty = (ctx.stderr as { isTTY?: boolean }).isTTY === true;
      // On a terminal one status line is rewritten in place; elsewhere (CI, a file) one line per step.
      const log = (line: string): void => {
        const sticky = /experiment|skip|fail|done|preparing/.test(line);
        ctx.stderr.write(tty ? `\r\x1b[2K${line}${sticky ? '\n' : ''}` : `${line}\n`);
      };
      const socket = ctx.client().socketPath;
      // Ctrl-C (or a kill) stops between two runs, so containers, private daemons and their bridges are removed
      const ac = new AbortController();
      const interrupt = (): void => {
        ctx.stderr.write('\ninterrupted: removing what the benchmark made (Ctrl-C again to leave at once)\n');
        ac.abort();
        process.once('SIGINT', () => process.exit(130));
      };
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      const result = await bench.runBench(
        { experiments, out, command: ['pure', 'bench', ...process.argv.slice(3)].join(' ') },
        { runs: flags.runs, warmup: flags.warmup, ...(flags.budget !== undefined ? { budgetMin: flags.budget } : {}), quick: flags.quick === true, only, cache: resolve(ctx.cwd, flags.cache ?? '/var/tmp/pure-bench'), pureSocket: socket, log, signal: ac.signal },
      );
      ctx.stdout.write(`${result.dir}/report.md\n`);
    });
}
