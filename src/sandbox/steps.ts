/**
 * Jobs of more than one sandbox: test cases over a prepared workspace, and a grading step.
 *
 *   prepare  the job's files + `prepare` (e.g. a compiler) in one sandbox; its /work, once every process is
 *            dead, is copied (no symlink followed, no special file opened) to <workspaces>/<id>/work
 *   cases    each case: a fresh, cold sandbox whose /work is that copy bound read-only (its /tmp is its own
 *            tmpfs), running `command` + args with the case's stdin; `passed` when expectedStdout matches
 *   grader   its own sandbox (image, command, files, limits) with <workspaces>/<id> bound read-only at
 *            /student: work/, stdout, stderr, result.json, cases/<n>/{stdin,stdout,stderr,expected_stdout,
 *            result.json}; its stdout is the verdict (grade.ts)
 *
 * <workspaces>/<id> is removed when the job ends (and at daemon start).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgument } from '../errors/index.js';
import { checkCallbackUrl } from './callback.js';
import { parseGrade } from './grade.js';
import { resolveLimits } from './limits.js';
import type { ReadOnlyBind, StepOptions } from './runner.js';
import { STUDENT_DIR, WORK_DIR } from './sandbox-spec.js';
import { copyTreeNoFollow } from './tree-copy.js';
import type { CaseResult, GraderRequest, JobRequest, JobResult } from './types.js';

export const MAX_CASES = 1000;

export interface StepHost {
  workspaceRoot: string;
  runStep(req: JobRequest, o?: StepOptions): Promise<JobResult>;
}

/** The checks of cases, grader and callback (the main step is checked by the runner). */
export function checkSteps(req: JobRequest, o: { callbackHosts: readonly string[]; checkStep: (r: JobRequest) => unknown }): void {
  if (req.callbackUrl !== undefined) checkCallbackUrl(req.callbackUrl, o.callbackHosts);
  if (req.prepare !== undefined) {
    if (req.cases === undefined) throw new InvalidArgument('invalid prepare: only a job with cases has a prepare step');
    o.checkStep({ ...req, command: req.prepare });
  }
  if (req.cases !== undefined) {
    if (!Array.isArray(req.cases) || req.cases.length === 0 || req.cases.length > MAX_CASES) throw new InvalidArgument(`invalid cases: want 1..${MAX_CASES} cases`);
    req.cases.forEach((c, i) => {
      if (c.args !== undefined && (!Array.isArray(c.args) || c.args.some((a) => typeof a !== 'string' || a.includes('\0')))) {
        throw new InvalidArgument(`invalid case ${i}: args must be strings without NUL bytes`);
      }
    });
  }
  if (req.grader !== undefined) {
    try {
      o.checkStep(graderStep(req.grader));
    } catch (e) {
      throw new InvalidArgument(`invalid grader: ${(e as Error).message}`, { cause: e });
    }
  }
}

export async function runSteps(req: JobRequest, host: StepHost): Promise<JobResult> {
  const dir = join(host.workspaceRoot, randomBytes(8).toString('hex'));
  await mkdir(dir, { mode: 0o755 });
  try {
    const limits = resolveLimits(req.limits);
    const keep = async (work: string): Promise<void> => {
      await copyTreeNoFollow(work, join(dir, 'work'), { maxBytes: limits.diskBytes, maxEntries: limits.diskInodes });
    };
    const student = req.cases ? await runCases(req, host, dir, keep) : await host.runStep(stepOf(req), { keepWork: keep });
    if (!req.grader || student.status === 'internal_error') return student;
    await writeStudent(dir, req, student);
    return await grade(req.grader, host, dir, student);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The part of a request one sandbox runs (no cases, grader, callback, priority). */
function stepOf(req: JobRequest): JobRequest {
  const { prepare: _p, cases: _c, grader: _g, callbackUrl: _u, priority: _pr, ...step } = req;
  return step;
}

function graderStep(g: GraderRequest): JobRequest {
  return { ...g, warm: false };
}

async function runCases(req: JobRequest, host: StepHost, dir: string, keep: (work: string) => Promise<void>): Promise<JobResult> {
  const { stdin: _stdin, ...base } = stepOf(req);
  const prep = await host.runStep({ ...base, command: req.prepare ?? ['true'] }, { keepWork: keep });
  const prepare = req.prepare ? { prepare: prep } : {};
  if (prep.status !== 'ok') return { ...prep, ...prepare, cases: [] };
  const binds: ReadOnlyBind[] = [{ source: join(dir, 'work'), destination: WORK_DIR }];
  const cases: CaseResult[] = [];
  for (const c of req.cases ?? []) {
    const step: JobRequest = { ...base, command: [...req.command, ...(c.args ?? [])], files: [], collect: [], warm: false };
    if (c.stdin !== undefined) step.stdin = c.stdin;
    const { warm: _warm, ...r } = await host.runStep(step, { readOnlyBinds: binds });
    cases.push(c.expectedStdout === undefined ? r : { ...r, passed: r.status === 'ok' && r.stdout === c.expectedStdout });
  }
  // the job's status is the first case that did not end ok (the prepare step's when it did not)
  const decider = cases.find((c) => c.status !== 'ok') ?? cases[cases.length - 1] ?? prep;
  const { passed: _passed, ...top } = decider as CaseResult;
  return {
    ...top,
    cpuTimeMs: prep.cpuTimeMs + sum(cases.map((c) => c.cpuTimeMs)),
    wallTimeMs: prep.wallTimeMs + sum(cases.map((c) => c.wallTimeMs)),
    peakMemoryBytes: Math.max(prep.peakMemoryBytes, ...cases.map((c) => c.peakMemoryBytes)),
    files: prep.files,
    ...prepare,
    cases,
  };
}

/** Lay out what the grader sees at /student. */
async function writeStudent(dir: string, req: JobRequest, r: JobResult): Promise<void> {
  await mkdir(join(dir, 'work'), { recursive: true, mode: 0o755 });
  const put = (path: string, data: string | Buffer): Promise<void> => writeFile(join(dir, path), data, { mode: 0o644, flag: 'wx' });
  await put('result.json', JSON.stringify(r, null, 2));
  await put('stdout', r.stdout);
  await put('stderr', r.stderr);
  if (!r.cases) return;
  await mkdir(join(dir, 'cases'), { mode: 0o755 });
  for (const [i, c] of r.cases.entries()) {
    const caseDir = join('cases', String(i));
    await mkdir(join(dir, caseDir), { mode: 0o755 });
    const given = req.cases?.[i];
    await put(join(caseDir, 'result.json'), JSON.stringify(c, null, 2));
    await put(join(caseDir, 'stdout'), c.stdout);
    await put(join(caseDir, 'stderr'), c.stderr);
    await put(join(caseDir, 'stdin'), Buffer.from(given?.stdin ?? '', 'base64'));
    if (given?.expectedStdout !== undefined) await put(join(caseDir, 'expected_stdout'), given.expectedStdout);
  }
}

async function grade(g: GraderRequest, host: StepHost, dir: string, student: JobResult): Promise<JobResult> {
  const run = await host.runStep(graderStep(g), { readOnlyBinds: [{ source: dir, destination: STUDENT_DIR }] });
  const { warm: _warm, ...grader } = run;
  if (run.status !== 'ok') {
    const why = run.status === 'internal_error' ? (run.error ?? 'internal error') : `${run.status} (exit ${run.exitCode ?? run.signal})`;
    return { ...student, status: 'internal_error', error: `grader failed: ${why}`, grader };
  }
  const parsed = parseGrade(run.stdout);
  if ('error' in parsed) return { ...student, status: 'internal_error', error: `grader: ${parsed.error}`, grader };
  return { ...student, grade: parsed.grade, grader };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
