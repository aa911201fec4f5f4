/**
 * Long actions (pull, push, stack up/down) answer with NDJSON progress: the HTTP status is sent with the first
 * line, so an action that fails before its first line answers with an ordinary error status, and one that fails
 * later ends the stream with an error line. A client that leaves aborts the action through `signal`.
 */
import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { codeOf, messageOf, type ErrorCode } from '../errors/index.js';

export interface ProgressStream<L> {
  /** Send one line (the response starts with the first). */
  emit(line: L): void;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export async function progressStream<L>(
  reply: FastifyReply,
  run: (s: ProgressStream<L>) => Promise<L>,
  errorLine: (e: { code: ErrorCode; message: string }) => L,
): Promise<FastifyReply> {
  const ac = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  let out: PassThrough | undefined;
  const stream = (): PassThrough => {
    if (!out) {
      out = new PassThrough();
      void reply.type('application/x-ndjson').send(out);
    }
    return out;
  };
  const line = (l: L): string => `${JSON.stringify(l)}\n`;
  try {
    const last = await run({ emit: (l) => stream().write(line(l)), signal: ac.signal });
    stream().end(line(last));
  } catch (e) {
    if (!out) throw e;
    out.end(line(errorLine({ code: codeOf(e), message: messageOf(e) })));
  }
  return reply;
}
