/**
 * The entry every bench/<name>.ts calls: parse `--runs N --warmup N --out DIR`, describe the machine, run the
 * candidates interleaved, print the Markdown tables, write the JSON report.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { InvalidArgument } from '../../src/errors/index.js';
import { describeMachine } from './machine.js';
import { runCandidates, type Candidate } from './runner.js';
import { machineTable, timingTable, writeReport, type BenchReport } from './report.js';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export interface BenchCli {
  runs: number;
  warmup: number;
  out: string;
  /** Extra numeric options a benchmark declared (e.g. `containers` for idle-memory). */
  extra: Record<string, number>;
}

/** Parse the common flags, plus `extra` numeric flags with their defaults. Unknown flags are an error. */
export function parseBenchArgs(argv: readonly string[], defaults: { runs: number; warmup: number; extra?: Record<string, number> }): BenchCli {
  const extraDefaults = defaults.extra ?? {};
  const options: Record<string, { type: 'string' }> = { runs: { type: 'string' }, warmup: { type: 'string' }, out: { type: 'string' } };
  for (const k of Object.keys(extraDefaults)) options[k] = { type: 'string' };
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  const num = (k: string, d: number): number => {
    const raw = values[k];
    if (raw === undefined) return d;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgument(`invalid --${k} "${String(raw)}": want a whole number`);
    return n;
  };
  const extra: Record<string, number> = {};
  for (const [k, d] of Object.entries(extraDefaults)) extra[k] = num(k, d);
  return {
    runs: num('runs', defaults.runs),
    warmup: num('warmup', defaults.warmup),
    out: typeof values.out === 'string' ? values.out : RESULTS_DIR,
    extra,
  };
}

export interface TimingBenchmark {
  name: string;
  description: string;
  candidates: Candidate[];
  baseline: string;
  defaults?: { runs: number; warmup: number };
}

export async function runTimingBenchmark(b: TimingBenchmark, argv = process.argv.slice(2)): Promise<BenchReport> {
  const cli = parseBenchArgs(argv, b.defaults ?? { runs: 30, warmup: 3 });
  const machine = await describeMachine();
  const log = (line: string): void => void process.stderr.write(`[${b.name}] ${line}\n`);
  log(`${b.description} — ${cli.warmup} warm-up + ${cli.runs} runs, interleaved`);
  const result = await runCandidates(b.candidates, { runs: cli.runs, warmup: cli.warmup, baseline: b.baseline, log });
  const report: BenchReport = { benchmark: b.name, date: new Date().toISOString(), description: b.description, machine, result };
  const path = await writeReport(cli.out, b.name, report);
  process.stdout.write(`## ${b.name}: ${b.description}\n\n${timingTable(result)}\n\n${machineTable(machine)}\n\nraw: ${path}\n`);
  return report;
}
