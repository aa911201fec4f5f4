/**
 * Sandbox jobs (src/sandbox): submit one job or a batch, read or wait for a result, queue metrics.
 * A full queue answers 429 with Retry-After (the one status this area adds to the error catalog's mapping).
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { JobRecord, JobRequest, PoolMetrics, QueueMetrics } from '../../sandbox/index.js';
import { QueueFull } from '../../sandbox/index.js';

/** What the routes call (the daemon passes the sandbox's service and pool). */
export interface JobsApi {
  submit(requests: readonly JobRequest[]): JobRecord[];
  get(id: string): JobRecord;
  wait(id: string, ms: number): Promise<JobRecord>;
  metrics(): QueueMetrics & { pool: PoolMetrics };
}

const Limits = Type.Object(
  {
    cpuTimeMs: Type.Optional(Type.Integer()),
    wallTimeMs: Type.Optional(Type.Integer()),
    memoryBytes: Type.Optional(Type.Integer()),
    pids: Type.Optional(Type.Integer()),
    outputBytes: Type.Optional(Type.Integer()),
    diskBytes: Type.Optional(Type.Integer()),
    diskInodes: Type.Optional(Type.Integer()),
    openFiles: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
const JobFileSchema = Type.Object(
  {
    path: Type.String({ minLength: 1 }),
    content: Type.Optional(Type.String({ description: 'base64' })),
    hostPath: Type.Optional(Type.String()),
    mode: Type.Optional(Type.Integer({ minimum: 0, maximum: 0o777 })),
    executable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const JobCaseSchema = Type.Object(
  {
    stdin: Type.Optional(Type.String({ description: 'base64' })),
    args: Type.Optional(Type.Array(Type.String())),
    expectedStdout: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const GraderSchema = Type.Object(
  {
    image: Type.Optional(Type.String()),
    command: Type.Array(Type.String(), { minItems: 1 }),
    env: Type.Optional(Type.Array(Type.String())),
    files: Type.Optional(Type.Array(JobFileSchema)),
    limits: Type.Optional(Limits),
  },
  { additionalProperties: false },
);
export const JobRequestSchema = Type.Object(
  {
    image: Type.Optional(Type.String()),
    command: Type.Array(Type.String(), { minItems: 1 }),
    env: Type.Optional(Type.Array(Type.String())),
    workdir: Type.Optional(Type.String()),
    stdin: Type.Optional(Type.String({ description: 'base64' })),
    files: Type.Optional(Type.Array(JobFileSchema)),
    collect: Type.Optional(Type.Array(Type.String())),
    collectBytes: Type.Optional(Type.Integer()),
    limits: Type.Optional(Limits),
    network: Type.Optional(Type.Boolean({ description: 'a network namespace of its own on the default bridge network, NAT out (default: loopback only)' })),
    priority: Type.Optional(Type.Integer()),
    warm: Type.Optional(Type.Boolean()),
    prepare: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: 'with cases: run once first; its /work is every case\'s read-only /work' })),
    cases: Type.Optional(Type.Array(JobCaseSchema, { minItems: 1, maxItems: 1000 })),
    grader: Type.Optional(GraderSchema),
    callbackUrl: Type.Optional(Type.String({ description: 'POSTed the finished job (at least once, retried with backoff, kept across daemon restarts); loopback http URLs only unless the daemon allows more' })),
  },
  { additionalProperties: false },
);
const SubmitBody = Type.Union([JobRequestSchema, Type.Object({ jobs: Type.Array(JobRequestSchema, { minItems: 1 }) })]);
const WaitQuery = Type.Object({ wait: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, description: 'seconds to wait for the result' })) });
const JobParams = Type.Object({ id: Type.String() });

export function jobRoutes(jobs: JobsApi) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post(
      '/jobs',
      {
        schema: {
          summary: 'Submit a job, or {jobs: [...]} a batch (all accepted or none); ?wait=S answers a single job with its result',
          body: SubmitBody,
          querystring: WaitQuery,
        },
      },
      async (req, reply) => {
        const body = req.body as Static<typeof SubmitBody>;
        const batch = 'jobs' in body ? (body.jobs as JobRequest[]) : null;
        let accepted: JobRecord[];
        try {
          accepted = jobs.submit(batch ?? [body as JobRequest]);
        } catch (e) {
          if (e instanceof QueueFull) {
            return reply.code(429).header('retry-after', String(e.retryAfterSeconds)).send({ code: e.code, message: e.message });
          }
          throw e;
        }
        if (batch) return reply.code(202).send({ jobs: accepted });
        const wait = (req.query as Static<typeof WaitQuery>).wait ?? 0;
        const job = wait > 0 ? await jobs.wait(accepted[0]!.id, wait * 1000) : accepted[0]!;
        return reply.code(job.state === 'done' ? 200 : 202).send(job);
      },
    );

    app.get('/jobs/metrics', { schema: { summary: 'Queue and warm-pool metrics' } }, async () => jobs.metrics());

    app.get(
      '/jobs/:id',
      { schema: { summary: 'A job and, once done, its result; ?wait=S waits for it', params: JobParams, querystring: WaitQuery } },
      async (req): Promise<JobRecord> => {
        const { id } = req.params as Static<typeof JobParams>;
        const wait = (req.query as Static<typeof WaitQuery>).wait ?? 0;
        return wait > 0 ? jobs.wait(id, wait * 1000) : jobs.get(id);
      },
    );
  };
}
