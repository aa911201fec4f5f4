/**
 * Registry routes: pull and push stream their progress as NDJSON (one TransferEvent per line, then a final
 * `result` line, or an `error` line if the transfer fails after it started; a failure before the
 * first event is an ordinary error status), save streams a tarball, auth checks credentials (docker login).
 * Credentials travel per request in `X-Registry-Auth` (base64 JSON, as Docker's API): the daemon keeps none.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { InvalidArgument } from '../../errors/index.js';
import { progressStream } from '../progress-stream.js';
import type { RegistryAuth, TransferLine } from '../types.js';

/** What the routes need from the engine (built in src/daemon/registry-adapter.ts). */
export interface RegistryApi {
  pull(ref: string, opts: TransferOptions & { platform?: string }): Promise<{ id: string; digest: string; ref: string }>;
  push(ref: string, opts: TransferOptions): Promise<{ digest: string; size: number; ref: string }>;
  /** Resolves every image first (throws before any byte), then streams the archive. */
  save(refs: readonly string[], opts: { format: 'docker' | 'oci' }): Readable;
  login(server: string, auth: RegistryAuth, signal: AbortSignal): Promise<void>;
}

export interface TransferOptions {
  auth?: RegistryAuth;
  signal: AbortSignal;
  onProgress: (event: TransferLine) => void;
}

const PullQuery = Type.Object({ ref: Type.String({ minLength: 1 }), platform: Type.Optional(Type.String({ minLength: 1 })) });
const PushParams = Type.Object({ ref: Type.String({ minLength: 1 }) });
const SaveQuery = Type.Object({
  ref: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })]),
  format: Type.Optional(Type.Union([Type.Literal('docker'), Type.Literal('oci')])),
});
const AuthBody = Type.Object({
  serveraddress: Type.String(),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  identitytoken: Type.Optional(Type.String()),
});

export function registryRoutes(registry: RegistryApi) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/images/pull', { schema: { summary: 'Pull an image from a registry (NDJSON progress; X-Registry-Auth)', querystring: PullQuery } }, async (req, reply) => {
      const { ref, platform } = req.query as Static<typeof PullQuery>;
      const auth = decodeAuth(req.headers['x-registry-auth']);
      return transfer(reply, (opts) => registry.pull(ref, { ...opts, auth, platform }).then((r) => ({ status: 'result', ...r })));
    });

    app.post('/images/:ref/push', { schema: { summary: 'Push an image to its registry (NDJSON progress; X-Registry-Auth)', params: PushParams } }, async (req, reply) => {
      const { ref } = req.params as Static<typeof PushParams>;
      const auth = decodeAuth(req.headers['x-registry-auth']);
      return transfer(reply, (opts) => registry.push(ref, { ...opts, auth }).then((r) => ({ status: 'result', ...r })));
    });

    app.get('/images/save', { schema: { summary: 'Save images as a docker-save (or ?format=oci: OCI layout) tarball', querystring: SaveQuery } }, async (req, reply) => {
      const { ref, format } = req.query as Static<typeof SaveQuery>;
      const stream = registry.save(Array.isArray(ref) ? ref : [ref], { format: format ?? 'docker' });
      return reply.type('application/x-tar').send(stream);
    });

    app.post('/auth', { schema: { summary: 'Check registry credentials (docker login)', body: AuthBody } }, async (req, reply) => {
      const body = req.body as Static<typeof AuthBody>;
      const ac = new AbortController();
      // the request's own 'close' fires once its body is read: only the response closing early means "gone"
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) ac.abort();
      });
      await registry.login(body.serveraddress, { username: body.username, password: body.password, identitytoken: body.identitytoken }, ac.signal);
      return { status: 'Login Succeeded' };
    });
  };
}

/** A pull or push: its progress lines, then the result (or an error line when it fails after the first). */
function transfer(reply: FastifyReply, run: (opts: Omit<TransferOptions, 'auth'>) => Promise<TransferLine>): Promise<FastifyReply> {
  return progressStream<TransferLine>(
    reply,
    (s) => run({ signal: s.signal, onProgress: (e) => s.emit(e) }),
    (error) => ({ status: 'error', error }),
  );
}

function decodeAuth(header: string | string[] | undefined): RegistryAuth | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  try {
    const json = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as RegistryAuth;
    return typeof json === 'object' && json !== null ? json : undefined;
  } catch {
    throw new InvalidArgument('invalid X-Registry-Auth header: expected base64 of a JSON object');
  }
}
