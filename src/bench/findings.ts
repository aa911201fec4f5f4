/**
 * What the published studies found, checked against this run — said plainly when this machine disagrees,
 * never tuned away. The INGInious study (seed 002) published its results as figures without numbers, so
 * its findings are checked as the comparisons it states; the overhead claims are those of the container-vs-VM
 * studies it cites (Felter et al. 2015).
 */
import type { CaseResult } from './experiment.js';

export interface Finding {
  claim: string;
  source: string;
  verdict: 'agrees' | 'disagrees' | 'not measured';
  evidence: string;
}

type Lookup = (caseName: string, candidate: string, phase?: string) => number | null;

function lookup(cases: readonly CaseResult[]): Lookup {
  return (caseName, candidate, phase) => {
    const r = cases.find((c) => c.name === caseName)?.result.candidates.find((x) => x.name === candidate);
    if (!r?.summaryMs) return null;
    return phase ? (r.phaseSummaryMs?.[phase]?.median ?? null) : r.summaryMs.median;
  };
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;

function compare(claim: string, source: string, a: number | null, b: number | null, holds: (a: number, b: number) => boolean, what: string): Finding {
  if (a === null || b === null) return { claim, source, verdict: 'not measured', evidence: `${what}: a side has no numbers in this run` };
  return { claim, source, verdict: holds(a, b) ? 'agrees' : 'disagrees', evidence: `${what}: ${ms(a)} vs ${ms(b)} (ratio ${(a / b).toFixed(2)})` };
}

export function checkFindings(cases: readonly CaseResult[]): Finding[] {
  const v = lookup(cases);
  const inginious = 'INGInious study (seed 002), ch. 5';
  const felter = 'Felter et al. 2015, cited by the INGInious study';
  const out: Finding[] = [
    compare('A full-copy storage driver (vfs; Pure: copy) makes container creation much slower than overlay', inginious,
      v('hello world', 'pure copy', 'create'), v('hello world', 'pure overlay', 'create'), (a, b) => a > 1.2 * b, 'create median, pure copy vs pure overlay'),
    compare('Docker boots a container faster than Podman', inginious,
      v('hello world', 'docker'), v('hello world', 'podman'), (a, b) => a < b, 'create + start + exec median, docker vs podman'),
    compare('Writing a large file in the rootfs costs more than in a volume (overlay copies the whole file up; volumes are near native)', inginious,
      bigSqlite(cases, 'rootfs', v), bigSqlite(cases, 'volume', v), (a, b) => a > b, 'sqlite "copy" phase, largest database, pure overlay, rootfs vs volume'),
    compare('Reads through overlayfs go straight to the underlying file system: reading many files in the rootfs is about as fast as in a volume', inginious,
      manyFiles(cases, 'rootfs', v), manyFiles(cases, 'volume', v), (a, b) => a < 1.25 * b, '"read" phase, largest file set, pure overlay, rootfs vs volume'),
    compare('CPU-bound work runs at native speed in a container', felter, v('cpu', 'pure host'), v('cpu', 'native'), (a, b) => a < 1.1 * b, 'cpu workload, pure host vs native'),
    compare('Memory bandwidth is native in a container', felter, v('memory', 'pure host'), v('memory', 'native'), (a, b) => a < 1.1 * b, 'memory workload, pure host vs native'),
    compare('NAT (a published port on a bridge) costs network throughput; the host network does not', felter,
      v('published port', 'pure bridge'), v('published port', 'pure host'), (a, b) => a > 1.05 * b, 'published-port download, pure bridge vs pure host'),
  ];
  return out;
}

function bigSqlite(cases: readonly CaseResult[], place: string, v: Lookup): number | null {
  const names = cases.filter((c) => c.experiment === 'io' && c.name.startsWith('sqlite') && c.name.endsWith(`in ${place}`)).map((c) => c.name);
  const last = names[names.length - 1];
  return last ? v(last, 'pure overlay', 'copy') : null;
}

function manyFiles(cases: readonly CaseResult[], place: string, v: Lookup): number | null {
  const names = cases.filter((c) => c.experiment === 'io' && c.name.endsWith(`files in ${place}`)).map((c) => c.name);
  const last = names[names.length - 1];
  return last ? v(last, 'pure overlay', 'read') : null;
}
