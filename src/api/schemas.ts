/**
 * TypeBox schemas for the request bodies, params and queries of API v1. Fastify validates with them and the
 * OpenAPI document (/v1/openapi.json) is generated from them, so the document cannot drift from the code.
 * They mirror src/api/types.ts.
 */
import { Type } from '@sinclair/typebox';

export const RefParams = Type.Object({ ref: Type.String({ minLength: 1 }) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });
export const ExecParams = Type.Object({ execId: Type.String({ minLength: 1 }) });

const Bool = Type.Union([Type.Boolean(), Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')]);

export const ForceQuery = Type.Object({ force: Type.Optional(Bool) });
export const ImportQuery = Type.Object({
  ref: Type.String({ minLength: 1 }),
  change: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
});
export const TimeoutQuery = Type.Object({ timeout: Type.Optional(Type.Integer({ minimum: -1 })) });
export const SignalQuery = Type.Object({ signal: Type.Optional(Type.String({ minLength: 1 })) });
export const ListQuery = Type.Object({
  all: Type.Optional(Bool),
  filter: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
});
export const LogsQuery = Type.Object({
  follow: Type.Optional(Bool),
  tail: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Literal('all')])),
  timestamps: Type.Optional(Bool),
  stdout: Type.Optional(Bool),
  stderr: Type.Optional(Bool),
});
export const StatsQuery = Type.Object({ stream: Type.Optional(Bool) });
/** POST /containers/:id/attach: logs=1 replays output from the start; start=1 starts the container once subscribed. */
export const AttachQuery = Type.Object({ logs: Type.Optional(Bool), start: Type.Optional(Bool) });

export const TagBody = Type.Object({ target: Type.String({ minLength: 1 }) });

const Resources = Type.Object({
  memory: Type.Optional(Type.Integer({ minimum: 0 })),
  memorySwap: Type.Optional(Type.Integer({ minimum: -1 })),
  nanoCpus: Type.Optional(Type.Integer({ minimum: 0 })),
  cpuShares: Type.Optional(Type.Integer({ minimum: 0 })),
  pidsLimit: Type.Optional(Type.Integer({ minimum: -1 })),
});

const PortBindingSchema = Type.Object(
  {
    containerPort: Type.Integer({ minimum: 1, maximum: 65535 }),
    protocol: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
    hostIp: Type.Optional(Type.String()),
    hostPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  },
  { additionalProperties: false },
);

/** HealthConfig: test ["CMD", ...] | ["CMD-SHELL", cmd] | ["NONE"] | [] (the image's); durations in ms. */
const HealthConfigSchema = Type.Object(
  {
    test: Type.Array(Type.String()),
    intervalMs: Type.Optional(Type.Number({ minimum: 0 })),
    timeoutMs: Type.Optional(Type.Number({ minimum: 0 })),
    startPeriodMs: Type.Optional(Type.Number({ minimum: 0 })),
    retries: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const ContainerCreateBody = Type.Object(
  {
    image: Type.String({ minLength: 1 }),
    name: Type.Optional(Type.String()),
    cmd: Type.Optional(Type.Array(Type.String())),
    entrypoint: Type.Optional(Type.Array(Type.String())),
    env: Type.Optional(Type.Array(Type.String())),
    workingDir: Type.Optional(Type.String()),
    user: Type.Optional(Type.String()),
    hostname: Type.Optional(Type.String()),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    tty: Type.Optional(Type.Boolean()),
    consoleSize: Type.Optional(Type.Object({ rows: Type.Integer({ minimum: 1, maximum: 65535 }), cols: Type.Integer({ minimum: 1, maximum: 65535 }) })),
    openStdin: Type.Optional(Type.Boolean()),
    init: Type.Optional(Type.Boolean()),
    readOnly: Type.Optional(Type.Boolean()),
    tmpfs: Type.Optional(Type.Record(Type.String(), Type.String())),
    binds: Type.Optional(
      Type.Array(Type.Object({ source: Type.String(), destination: Type.String(), readOnly: Type.Boolean() })),
    ),
    volumes: Type.Optional(
      Type.Array(
        Type.Object(
          { source: Type.Optional(Type.String()), destination: Type.String(), readOnly: Type.Boolean(), noCopy: Type.Optional(Type.Boolean()), mustExist: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
      ),
    ),
    network: Type.Optional(Type.String()),
    networkAliases: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    ipAddress: Type.Optional(Type.String()),
    portBindings: Type.Optional(Type.Array(PortBindingSchema)),
    publishAll: Type.Optional(Type.Boolean()),
    dns: Type.Optional(Type.Array(Type.String())),
    extraHosts: Type.Optional(Type.Array(Type.String())),
    restartPolicy: Type.Optional(
      Type.Object({
        name: Type.Union([Type.Literal('no'), Type.Literal('on-failure'), Type.Literal('always'), Type.Literal('unless-stopped')]),
        maximumRetryCount: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
    ),
    resources: Type.Optional(Resources),
    stopSignal: Type.Optional(Type.String()),
    stopTimeout: Type.Optional(Type.Integer({ minimum: 0 })),
    autoRemove: Type.Optional(Type.Boolean()),
    healthcheck: Type.Optional(HealthConfigSchema),
  },
  { additionalProperties: false },
);

export const ExecCreateBody = Type.Object(
  {
    cmd: Type.Array(Type.String(), { minItems: 1 }),
    env: Type.Optional(Type.Array(Type.String())),
    user: Type.Optional(Type.String()),
    workingDir: Type.Optional(Type.String()),
    tty: Type.Optional(Type.Boolean()),
    openStdin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** DELETE /containers/{id}: v=1 also removes the container's anonymous volumes (docker rm -v). */
export const ContainerRemoveQuery = Type.Object({ force: Type.Optional(Bool), v: Type.Optional(Bool) });

export const VolumeParams = Type.Object({ name: Type.String({ minLength: 1 }) });
export const VolumeCreateBody = Type.Object(
  { name: Type.Optional(Type.String()), labels: Type.Optional(Type.Record(Type.String(), Type.String())) },
  { additionalProperties: false },
);
export const VolumeListQuery = Type.Object({ filter: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])) });
export const VolumePruneQuery = Type.Object({
  all: Type.Optional(Bool),
  filter: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
});

export const NetworkCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    subnet: Type.Optional(Type.String()),
    gateway: Type.Optional(Type.String()),
    internal: Type.Optional(Type.Boolean()),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);
export const NetworkConnectBody = Type.Object(
  { container: Type.String({ minLength: 1 }), aliases: Type.Optional(Type.Array(Type.String({ minLength: 1 }))), ipAddress: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export const NetworkDisconnectBody = Type.Object(
  { container: Type.String({ minLength: 1 }), force: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

/** GET /events: since/until RFC 3339; filter repeatable (type, event, container, image, network, volume, label). */
export const EventsQuery = Type.Object({
  since: Type.Optional(Type.String({ minLength: 1 })),
  until: Type.Optional(Type.String({ minLength: 1 })),
  filter: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
});

export function truthy(v: unknown): boolean {
  return v === true || v === '1' || v === 'true';
}

/** Stacks: what the CLI sends for a compose project (its cwd, -f files, environment, -p, --profile). */
const StackSourceFields = {
  files: Type.Array(Type.String({ minLength: 1 })),
  workingDir: Type.String({ minLength: 1 }),
  env: Type.Record(Type.String(), Type.String()),
  projectName: Type.Optional(Type.String({ minLength: 1 })),
  profiles: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
};
export const StackSourceBody = Type.Object(StackSourceFields, { additionalProperties: false });
export const StackUpBody = Type.Object(
  {
    ...StackSourceFields,
    services: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    noDeps: Type.Optional(Type.Boolean()),
    forceRecreate: Type.Optional(Type.Boolean()),
    noRecreate: Type.Optional(Type.Boolean()),
    removeOrphans: Type.Optional(Type.Boolean()),
    wait: Type.Optional(Type.Boolean()),
    timeoutS: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export const StackScaleBody = Type.Object(
  { ...StackSourceFields, scale: Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
export const StackParams = Type.Object({ name: Type.String({ minLength: 1 }) });
export const StackDownQuery = Type.Object({
  volumes: Type.Optional(Bool),
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const StackActionBody = Type.Object(
  { services: Type.Optional(Type.Array(Type.String({ minLength: 1 }))), timeoutS: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
