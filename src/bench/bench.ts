/**
 * One `pure bench` invocation: prepare the bench image, run the chosen experiments, then write into `out`:
 * raw.json (every sample, warm-ups included, and the machine), summary.json, report.md and charts/*.svg|png.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InvalidArgument } from '../errors/index.js';
import { markdownReport, summaryRows } from './bench-report.js';
import { bootExperiment } from './boot.js';
import { renderChart } from './charts.js';
import { benchImageTar, hasSqlite } from './datasets.js';
import { EXPERIMENTS, type BenchOptions, type CaseResult, type ExperimentName } from './experiment.js';
import { checkFindings } from './findings.js';
import { ioExperiment } from './io.js';
import { DEFAULT_BUDGET_MIN, TimeBudget } from './budget.js';
import { describeMachine } from './machine.js';
import { netExperiment } from './net.js';
import { overheadExperiment } from './overhead.js';

export interface BenchRun {
  experiments: readonly ExperimentName[];
  out: string;
  /** The command line as typed, for the report. */
  command: string;
}

export interface BenchOutput {
  dir: string;
  files: string[];
  cases: CaseResult[];
}

/**
 * Runs and warm-ups per experiment when --runs/--warmup are not given: sized so `all` stays under 15 minutes
 * on 2 cores (io is the slow one: 20 cases of 4 candidates). --quick: 2 runs after 1 warm-up everywhere.
 */
export const DEFAULT_RUNS: Record<ExperimentName, { runs: number; warmup: number }> = {
  boot: { runs: 10, warmup: 2 },
  io: { runs: 3, warmup: 1 },
  net: { runs: 10, warmup: 2 },
  overhead: { runs: 5, warmup: 1 },
};

export type BenchSettings = Omit<BenchOptions, 'runs' | 'warmup' | 'budget'> & {
  runs?: number;
  warmup?: number;
  /** Minutes for the whole invocation (see budget.ts); 0: none. Default DEFAULT_BUDGET_MIN, none with --quick. */
  budgetMin?: number;
};

export function parseExperiments(word: string): ExperimentName[] {
  if (word === 'all') return [...EXPERIMENTS];
  const list = word.split(',').map((w) => w.trim());
  for (const w of list) {
    if (!(EXPERIMENTS as readonly string[]).includes(w)) throw new InvalidArgument(`unknown experiment "${w}": use ${EXPERIMENTS.join(', ')} or all`);
  }
  return list as ExperimentName[];
}

export async function runBench(run: BenchRun, settings: BenchSettings): Promise<BenchOutput> {
  const { budgetMin: _b, ...rest } = settings;
  const opts: BenchOptions = { ...rest, runs: 0, warmup: 0 };
  const started = Date.now();
  const budgetMin = settings.budgetMin ?? (settings.quick ? 0 : DEFAULT_BUDGET_MIN);
  await mkdir(join(run.out, 'charts'), { recursive: true });
  opts.log(`preparing the bench image in ${opts.cache}${hasSqlite() ? '' : ' (no sqlite3 on the host: the sqlite cases will fail)'}`);
  const imageTar = await benchImageTar(opts.cache);
  const rootfsDir = join(opts.cache, 'image', 'rootfs');
  const machine = await describeMachine();
  const cases: CaseResult[] = [];
  // the budget counts from here: preparing the image and data sets the first time is not measuring
  if (budgetMin > 0) opts.budget = new TimeBudget(budgetMin * 60_000, run.experiments);
  for (const e of run.experiments) {
    opts.budget?.startExperiment(e);
    const d = settings.quick ? { runs: 2, warmup: 1 } : DEFAULT_RUNS[e];
    opts.runs = settings.runs ?? d.runs;
    opts.warmup = settings.warmup ?? d.warmup;
    opts.log(`experiment ${e}: ${opts.warmup} warm-up + ${opts.runs} runs per case, interleaved`);
    if (e === 'boot') cases.push(...(await bootExperiment(opts, imageTar, rootfsDir)));
    if (e === 'io') cases.push(...(await ioExperiment(opts, imageTar)));
    if (e === 'net') cases.push(...(await netExperiment(opts, imageTar)));
    if (e === 'overhead') cases.push(...(await overheadExperiment(opts, imageTar)));
  }
  const date = new Date().toISOString();
  const files: string[] = [];
  const write = async (name: string, text: string): Promise<void> => {
    const path = join(run.out, name);
    await writeFile(path, text);
    files.push(path);
  };
  const charts: Record<string, { svg: string; png: string | null; pngError?: string }> = {};
  for (const [i, c] of cases.entries()) {
    const base = `${String(i + 1).padStart(2, '0')}-${c.experiment}-${c.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}`;
    const f = await renderChart(c, join(run.out, 'charts'), base);
    files.push(f.svg, ...(f.png ? [f.png] : []));
    charts[`${c.experiment}/${c.name}`] = { svg: relative(run.out, f.svg), png: f.png ? relative(run.out, f.png) : null, ...(f.pngError ? { pngError: f.pngError } : {}) };
  }
  const findings = checkFindings(cases);
  const options = { runs: settings.runs ?? 'per experiment', warmup: settings.warmup ?? 'per experiment', quick: opts.quick, only: opts.only, budgetMin };
  await write('raw.json', `${JSON.stringify({ command: run.command, date, options, machine, cases }, null, 1)}\n`);
  await write('summary.json', `${JSON.stringify({ command: run.command, date, options, findings, rows: summaryRows(cases) }, null, 2)}\n`);
  const durationS = (Date.now() - started) / 1000;
  await write('report.md', markdownReport({ command: run.command, date, durationS, machine, cases, findings, charts }));
  opts.log(`done in ${Math.round(durationS)} s: ${join(run.out, 'report.md')}`);
  return { dir: run.out, files, cases };
}
