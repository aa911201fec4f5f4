/**
 * The Markdown report of one `pure bench` run and its summary JSON: per case a table of totals (n, min,
 * median, p90, p99, max, ratio to the baseline), a table of phase medians, its chart, every skipped or failed
 * candidate with its reason; then the published findings checked against the run, and the machine.
 */
import type { CaseResult } from './experiment.js';
import type { Finding } from './findings.js';
import type { MachineDescription } from './machine.js';
import { machineTable, markdownTable, timingTable } from './report.js';

export interface SummaryRow {
  experiment: string;
  case: string;
  candidate: string;
  status: string;
  reason?: string;
  n: number;
  min?: number;
  median?: number;
  p90?: number;
  p99?: number;
  max?: number;
  ratio?: number | null;
  baseline: string;
  phaseMedians?: Record<string, number>;
}

export function summaryRows(cases: readonly CaseResult[]): SummaryRow[] {
  return cases.flatMap((c) =>
    c.result.candidates.map((r) => {
      const s = r.summaryMs;
      const row: SummaryRow = { experiment: c.experiment, case: c.name, candidate: r.name, status: r.status, n: s?.n ?? 0, baseline: c.result.baseline };
      if (r.reason) row.reason = r.reason;
      if (s) Object.assign(row, { min: s.min, median: s.median, p90: s.p90, p99: s.p99, max: s.max, ratio: r.ratioToBaseline });
      if (r.phaseSummaryMs) row.phaseMedians = Object.fromEntries(Object.entries(r.phaseSummaryMs).map(([p, x]) => [p, x.median]));
      return row;
    }),
  );
}

function phaseTable(c: CaseResult): string | null {
  const ok = c.result.candidates.filter((r) => r.phaseSummaryMs);
  if (ok.length === 0 || c.phases.length < 2) return null;
  const cell = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(x < 10 ? 2 : 1));
  return markdownTable(
    ['candidate', ...c.phases.map((p) => `${p} ms`)],
    ok.map((r) => [r.name, ...c.phases.map((p) => cell(r.phaseSummaryMs?.[p]?.median))]),
  );
}

export interface ReportInput {
  command: string;
  date: string;
  durationS: number;
  machine: MachineDescription;
  cases: readonly CaseResult[];
  findings: readonly Finding[];
  charts: Record<string, { svg: string; png: string | null; pngError?: string }>;
}

export function markdownReport(r: ReportInput): string {
  const parts: string[] = [
    `# pure bench — ${r.date}`,
    '',
    `Command: \`${r.command}\` (${Math.round(r.durationS)} s). Raw samples: \`raw.json\`; summary: \`summary.json\`; charts: \`charts/\`.`,
    '',
    '**Method.** Every phase is timed on the host around the engine\'s own CLI (`X create`, `X start`, `X exec`), ' +
      'as the INGInious study did, so a phase includes that CLI\'s start-up (Node for `pure`, Go for docker and podman). ' +
      'Candidates run interleaved, one run of each per round with the first rotating; warm-up runs are discarded ' +
      '(kept in raw.json). Statistics are nearest-rank over the measured runs; ratios are of medians. ' +
      'A candidate that is absent or fails is listed with its reason. The overhead experiment times the workload ' +
      'where it runs with busybox `time` (10 ms resolution).',
    '',
  ];
  let experiment = '';
  for (const c of r.cases) {
    if (c.experiment !== experiment) {
      experiment = c.experiment;
      parts.push(`## ${experiment}`, '');
    }
    parts.push(`### ${c.name}`, '', `${c.description}. Total = ${c.totalMeans}; ${c.result.warmup} warm-up + ${c.result.runs} runs${c.result.plannedRuns > c.result.runs ? ` (of ${c.result.plannedRuns} planned: the time budget ran out)` : ''}.${c.note ? ` Note: ${c.note}.` : ''}`, '');
    parts.push(timingTable(c.result), '');
    const phases = phaseTable(c);
    if (phases) parts.push('Median per phase:', '', phases, '');
    const chart = r.charts[`${c.experiment}/${c.name}`];
    if (chart) parts.push(`![${c.experiment}: ${c.name}](${chart.png ?? chart.svg})${chart.pngError ? ` (PNG not rendered: ${chart.pngError})` : ''}`, '');
  }
  parts.push('## Compared with the published results', '');
  parts.push(markdownTable(['published finding', 'source', 'here', 'evidence'], r.findings.map((f) => [f.claim, f.source, f.verdict, f.evidence])), '');
  parts.push('## Machine', '', machineTable(r.machine), '');
  return parts.join('\n');
}
