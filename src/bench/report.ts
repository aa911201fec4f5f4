/**
 * Output of a benchmark: a Markdown table for humans (pasted into docs/benchmarks.md) and a JSON file with
 * the raw samples, the summary and the machine, in bench/results/<name>-<date>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MachineDescription } from './machine.js';
import type { RunnerResult } from './runner.js';

export interface BenchReport {
  benchmark: string;
  /** ISO 8601, when the benchmark finished. */
  date: string;
  description: string;
  machine: MachineDescription;
  result: RunnerResult;
}

/** A plain Markdown table; cells are escaped for "|". */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: readonly string[]): string => `| ${cells.map(esc).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One row per candidate: status, n, min, median, p90, p99, max (ms) and the ratio of medians. */
export function timingTable(result: RunnerResult): string {
  const ms = (x: number): string => x.toFixed(x < 10 ? 2 : 1);
  const rows = result.candidates.map((c) => {
    const s = c.summaryMs;
    if (!s) return [c.name, `${c.status}: ${c.reason ?? ''}`, '', '', '', '', '', '', ''];
    const ratio = c.ratioToBaseline === null ? '—' : `${c.ratioToBaseline.toFixed(2)}x`;
    return [c.name, 'ok', String(s.n), ms(s.min), ms(s.median), ms(s.p90), ms(s.p99), ms(s.max), ratio];
  });
  return markdownTable(
    ['candidate', 'status', 'n', 'min ms', 'median ms', 'p90 ms', 'p99 ms', 'max ms', `median / ${result.baseline}`],
    rows,
  );
}

export function machineTable(m: MachineDescription): string {
  const gib = (m.memoryBytes / 2 ** 30).toFixed(1);
  return markdownTable(
    ['property', 'value'],
    [
      ['CPU', m.cpuModel],
      ['cores', String(m.cores)],
      ['memory', `${gib} GiB`],
      ['kernel', m.kernel],
      ['cgroups', m.cgroupMode],
      ['/var/lib filesystem', m.varLibFs],
      ['load average (1/5/15 min)', m.loadAverage.join(' / ')],
      ...Object.entries(m.versions).map(([k, v]) => [k, v]),
    ],
  );
}

/** Write `report` as pretty JSON to `<dir>/<name>-<date>.json`; returns the path. */
export async function writeReport(dir: string, name: string, report: unknown, date = new Date()): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const path = join(dir, `${name}-${stamp}.json`);
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
