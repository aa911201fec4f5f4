/**
 * A grader's verdict (INGInious' model): the grader job prints one JSON object on stdout,
 * {"verdict": "...", "score": n, "feedback": "..."}. Anything else is the grader's bug, never the student's:
 * the job is then reported internal_error with the reason.
 */
import type { Grade } from './types.js';

const MAX_VERDICT = 64;
const MAX_FEEDBACK = 64 * 1024;

/** The verdict in a grader's stdout (the whole of it, or its last non-empty line), or why there is none. */
export function parseGrade(stdout: string): { grade: Grade } | { error: string } {
  const text = stdout.trim();
  if (text === '') return { error: 'the grader printed nothing on stdout' };
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  let value: unknown;
  for (const candidate of [text, lines[lines.length - 1] ?? '']) {
    try {
      value = JSON.parse(candidate);
      break;
    } catch {
      value = undefined;
    }
  }
  if (value === undefined) return { error: `the grader's stdout is not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'the grader printed JSON that is not an object' };
  const o = value as Record<string, unknown>;
  if (typeof o.verdict !== 'string' || o.verdict === '' || o.verdict.length > MAX_VERDICT) {
    return { error: `the grader's "verdict" must be a non-empty string of at most ${MAX_VERDICT} characters` };
  }
  if (typeof o.score !== 'number' || !Number.isFinite(o.score)) return { error: `the grader's "score" must be a finite number` };
  const feedback = o.feedback ?? '';
  if (typeof feedback !== 'string' || feedback.length > MAX_FEEDBACK) return { error: `the grader's "feedback" must be a string of at most ${MAX_FEEDBACK} characters` };
  return { grade: { verdict: o.verdict, score: o.score, feedback } };
}
