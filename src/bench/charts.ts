/**
 * Charts without a browser: a vega-lite spec per case (median of each phase per candidate, stacked), compiled
 * to vega, rendered headless by `view.toSVG()`, then rasterized to PNG by resvg. vega and resvg are imported
 * here only, lazily, so `pure bench` pays for them and no other command does.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaseResult } from './experiment.js';

export interface ChartFiles {
  svg: string;
  /** null when resvg could not render here (the reason is in `pngError`). */
  png: string | null;
  pngError?: string;
}

/** The rows a case's chart plots: one per candidate and phase, median in ms. */
export function chartRows(c: CaseResult): { candidate: string; phase: string; order: number; ms: number }[] {
  const rows: { candidate: string; phase: string; order: number; ms: number }[] = [];
  for (const r of c.result.candidates) {
    if (!r.summaryMs) continue;
    const phases = r.phaseSummaryMs ?? { total: r.summaryMs };
    for (const [phase, s] of Object.entries(phases)) rows.push({ candidate: r.name, phase, order: c.phases.indexOf(phase), ms: s.median });
  }
  return rows;
}

export function chartSpec(c: CaseResult): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${c.experiment}: ${c.name}`, subtitle: `median ms per phase (n = ${c.result.runs} runs after ${c.result.warmup} discarded warm-up)` },
    width: 520,
    background: 'white',
    data: { values: chartRows(c) },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'candidate', type: 'nominal', sort: null, title: null },
      x: { field: 'ms', type: 'quantitative', stack: 'zero', title: 'milliseconds (median)' },
      color: { field: 'phase', type: 'nominal', sort: c.phases, title: 'phase' },
      order: { field: 'order', type: 'quantitative' },
      tooltip: [{ field: 'phase' }, { field: 'ms', format: '.1f' }],
    },
  };
}

/** Render `c`'s chart to `<dir>/<base>.svg` and `.png`. */
export async function renderChart(c: CaseResult, dir: string, base: string): Promise<ChartFiles> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(chartSpec(c) as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const svgPath = join(dir, `${base}.svg`);
  await writeFile(svgPath, svg);
  try {
    const { Resvg } = await import('@resvg/resvg-js');
    const png = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng();
    const pngPath = join(dir, `${base}.png`);
    await writeFile(pngPath, png);
    return { svg: svgPath, png: pngPath };
  } catch (e) {
    return { svg: svgPath, png: null, pngError: e instanceof Error ? e.message : String(e) };
  }
}
