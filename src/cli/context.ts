/**
 * What every command receives from the composition root (main.ts): the API client, the process's streams,
 * the client-side environment and clock, and a place to leave the exit code. Commands never call
 * process.exit themselves, so they can run inside a test.
 */
import type { Writable } from 'node:stream';
import { InvalidArgument, messageOf } from '../errors/index.js';
import type { ApiClient } from './client.js';

export interface CliContext {
  /** The client for the daemon named by --host / PURE_SOCKET (built on first use). */
  client(): ApiClient;
  stdout: Writable;
  stderr: Writable;
  stdin: NodeJS.ReadStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  now(): number;
  /** The process's exit code once the command returns; commands raise it, never lower it. */
  exitCode: number;
}

/** Print one error line the way every Pure command does: `pure: <message>`. */
export function printError(ctx: CliContext, err: unknown): void {
  ctx.stderr.write(`pure: ${messageOf(err)}\n`);
}

/**
 * Act on each target in turn like docker's multi-target commands (rm, stop, kill, rmi…): print the target's
 * name when it worked, one error line when it did not, and exit 1 if any failed.
 */
export async function forEachTarget(
  ctx: CliContext,
  targets: readonly string[],
  act: (target: string) => Promise<string | void>,
): Promise<void> {
  for (const target of targets) {
    try {
      const shown = await act(target);
      if (shown !== '') ctx.stdout.write(`${shown ?? target}\n`);
    } catch (err) {
      printError(ctx, err);
      ctx.exitCode = Math.max(ctx.exitCode, 1);
    }
  }
}

/** A path segment for an id, name or image reference (names may hold "/" and ":"). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** Collects a repeatable option's values (commander's argParser for `-e`, `-v`, `--label`…). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Print `value` as docker's `--format json` for listings does: one JSON object per line. */
export function printJsonLines(ctx: CliContext, values: readonly unknown[]): void {
  for (const v of values) ctx.stdout.write(`${JSON.stringify(v)}\n`);
}

/** Only `--format json` exists so far: refuse anything else rather than silently ignoring a Go template. */
export function checkFormat(format: string | undefined): boolean {
  if (format === undefined || format === 'table') return false;
  if (format === 'json' || format === '{{json .}}') return true;
  throw new InvalidArgument(`invalid --format "${format}": only "json" and "table" are supported`);
}
