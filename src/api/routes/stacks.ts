/**
 * Stack routes (compose projects). The daemon loads the file itself: the CLI sends its working directory, the
 * -f paths, its environment and -p/--profile (same host, both root). Long actions (up, scale, down, stop,
 * start, restart) answer with NDJSON StackLine values as they happen, ending with `done`, or `error` when they
 * fail after the first line; a failure before any line (bad input: nothing was made) is an ordinary error
 * status. A client that goes away cancels what is still waiting (what was made stays, as with Compose).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { progressStream } from '../progress-stream.js';
import type { ContainerSummary, StackLine, StackSourceBody as StackSource, StackSummary } from '../types.js';
import { StackActionBody, StackDownQuery, StackParams, StackScaleBody, StackSourceBody, StackUpBody, truthy } from '../schemas.js';

interface Reporter {
  emit: (line: StackLine) => void;
  signal?: AbortSignal;
}

/** What the routes need: src/stack's StackService (built in the daemon's composition root). */
export interface StackApi {
  config(source: StackSource): Promise<{ project: unknown; yaml: string }>;
  up(
    source: StackSource,
    opts: { services?: string[]; noDeps?: boolean; forceRecreate?: boolean; noRecreate?: boolean; removeOrphans?: boolean; wait?: boolean; timeoutS?: number },
    r: Reporter,
  ): Promise<void>;
  scale(source: StackSource, scale: Record<string, number>, r: Reporter): Promise<void>;
  down(name: string, opts: { volumes?: boolean; timeoutS?: number }, r: Reporter): Promise<void>;
  list(): StackSummary[];
  containers(name: string): ContainerSummary[];
  stop(name: string, opts: { services?: string[]; timeoutS?: number }, r: Reporter): Promise<void>;
  start(name: string, opts: { services?: string[] }, r: Reporter): Promise<void>;
  restart(name: string, opts: { services?: string[]; timeoutS?: number }, r: Reporter): Promise<void>;
}

function sourceOf(body: Static<typeof StackSourceBody>): StackSource {
  return {
    files: body.files,
    workingDir: body.workingDir,
    env: body.env,
    ...(body.projectName !== undefined ? { projectName: body.projectName } : {}),
    ...(body.profiles !== undefined ? { profiles: body.profiles } : {}),
  };
}

export function stackRoutes(stacks: StackApi) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/stacks/config', { schema: { summary: 'Load a compose project: the normalised project and its YAML', body: StackSourceBody } }, async (req) =>
      stacks.config(sourceOf(req.body as Static<typeof StackSourceBody>)),
    );

    app.post('/stacks/up', { schema: { summary: 'Create or converge a compose project (NDJSON progress)', body: StackUpBody } }, async (req, reply) => {
      const b = req.body as Static<typeof StackUpBody>;
      const { services, noDeps, forceRecreate, noRecreate, removeOrphans, wait, timeoutS } = b;
      const opts = { services, noDeps, forceRecreate, noRecreate, removeOrphans, wait, timeoutS };
      return stackStream(reply, (r) => stacks.up(sourceOf(b), opts, r));
    });

    app.post('/stacks/scale', { schema: { summary: 'Set the number of replicas of services (NDJSON progress)', body: StackScaleBody } }, async (req, reply) => {
      const b = req.body as Static<typeof StackScaleBody>;
      return stackStream(reply, (r) => stacks.scale(sourceOf(b), b.scale, r));
    });

    app.get('/stacks', { schema: { summary: 'List the compose projects on this host (by their labels)' } }, async () => stacks.list());

    app.get('/stacks/:name/containers', { schema: { summary: "A project's containers, every state", params: StackParams } }, async (req) =>
      stacks.containers((req.params as Static<typeof StackParams>).name),
    );

    app.post(
      '/stacks/:name/down',
      { schema: { summary: "Stop and remove a project's containers and networks (volumes=1: and its volumes); NDJSON progress", params: StackParams, querystring: StackDownQuery } },
      async (req, reply) => {
        const { name } = req.params as Static<typeof StackParams>;
        const q = req.query as Static<typeof StackDownQuery>;
        return stackStream(reply, (r) => stacks.down(name, { volumes: truthy(q.volumes), ...(q.timeout !== undefined ? { timeoutS: q.timeout } : {}) }, r));
      },
    );

    for (const verb of ['stop', 'start', 'restart'] as const) {
      app.post(
        `/stacks/:name/${verb}`,
        { schema: { summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} a project's containers (body: services, timeoutS); NDJSON progress`, params: StackParams, body: StackActionBody } },
        async (req, reply) => {
          const { name } = req.params as Static<typeof StackParams>;
          const b = (req.body ?? {}) as Static<typeof StackActionBody>;
          return stackStream(reply, (r) => stacks[verb](name, b, r));
        },
      );
    }
  };
}

/** A stack action's progress lines, ending in `done` or `error`. */
function stackStream(reply: FastifyReply, run: (r: Reporter) => Promise<void>): Promise<FastifyReply> {
  return progressStream<StackLine>(
    reply,
    (s) => run(s).then((): StackLine => ({ type: 'done' })),
    (e) => ({ type: 'error', ...e }),
  );
}
