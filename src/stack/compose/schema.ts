/**
 * The shape of a compose file as Pure reads it (zod), after interpolation and merging: which keys exist and
 * the type of each value. Meaning (ports, durations, sizes, mounts) is parsed later by normalise.ts; here a
 * value only has to be of the right kind. As in Compose, interpolation leaves strings where the file had
 * `${...}`, so numbers and booleans also accept their string forms ("3", "true").
 *
 * The object schemas are "loose": a key they do not list is kept, and `unsupportedKeys` walks the file against
 * these schemas to name each such key in a warning. So the schema is also the list of supported keys.
 */
import { z } from 'zod';
import { isMapping } from './diagnostics.js';

const str = z.string({ error: 'expected a string' });
const int = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)], { error: 'expected an integer' });
const bool = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']).transform((s) => s.toLowerCase() === 'true')], {
  error: 'expected true or false',
});
/** A string the YAML may have written as a number (`80`, `1.5`, `0.5`). */
const text = z.union([z.string(), z.number().transform(String)], { error: 'expected a string or a number' });
const scalar = z.union([z.string(), z.number().transform(String), z.boolean().transform(String)], { error: 'expected a string, number or boolean' });
const stringList = z.array(text, { error: 'expected a list of strings' });
const stringOrList = z.union([text, stringList], { error: 'expected a string or a list of strings' });
/** `environment`/`labels`: a list of `K=V` (or `K`), or a mapping K → scalar or null. */
const listOrDict = z.union([stringList, z.record(z.string(), scalar.nullable())], {
  error: 'expected a list of KEY=VALUE or a mapping',
});
const nullableCommand = z.union([text, stringList], { error: 'expected a string or a list of strings' }).nullable();

const port = z.union(
  [
    text,
    z.looseObject({
      target: int,
      published: text.optional(),
      host_ip: str.optional(),
      protocol: str.optional(),
    }),
  ],
  { error: 'expected "HOST:CONTAINER" or a mapping with target:' },
);

const volumeMount = z.union(
  [
    str,
    z.looseObject({
      type: z.enum(['volume', 'bind', 'tmpfs'], { error: 'expected type volume, bind or tmpfs' }),
      source: str.optional(),
      target: str,
      read_only: bool.optional(),
      volume: z.looseObject({ nocopy: bool.optional() }).optional(),
      bind: z.looseObject({ create_host_path: bool.optional() }).optional(),
      tmpfs: z.looseObject({ size: text.optional(), mode: text.optional() }).optional(),
    }),
  ],
  { error: 'expected "SOURCE:TARGET[:MODE]" or a mapping with type: and target:' },
);

const serviceNetworks = z.union(
  [
    stringList,
    z.record(
      z.string(),
      z.looseObject({ aliases: stringList.optional(), ipv4_address: str.optional() }).nullable(),
    ),
  ],
  { error: 'expected a list of network names or a mapping' },
);

const dependsOn = z.union(
  [
    stringList,
    z.record(
      z.string(),
      z
        .looseObject({
          condition: z
            .enum(['service_started', 'service_healthy', 'service_completed_successfully'], {
              error: 'expected service_started, service_healthy or service_completed_successfully',
            })
            .optional(),
          required: bool.optional(),
          restart: bool.optional(),
        })
        .nullable(),
    ),
  ],
  { error: 'expected a list of service names or a mapping' },
);

const healthcheck = z.looseObject({
  test: stringOrList.optional(),
  interval: text.optional(),
  timeout: text.optional(),
  start_period: text.optional(),
  retries: int.optional(),
  disable: bool.optional(),
});

const deploy = z.looseObject({
  replicas: int.optional(),
  resources: z
    .looseObject({
      limits: z.looseObject({ cpus: text.optional(), memory: text.optional(), pids: int.optional() }).optional(),
    })
    .optional(),
  labels: listOrDict.optional(),
});

const envFile = z.union(
  [text, z.array(z.union([text, z.looseObject({ path: str, required: bool.optional() })]))],
  { error: 'expected a path, a list of paths or of {path, required}' },
);

export const serviceSchema = z.looseObject({
  image: str.optional(),
  build: z.unknown().optional(),
  command: nullableCommand.optional(),
  entrypoint: nullableCommand.optional(),
  environment: listOrDict.optional(),
  env_file: envFile.optional(),
  ports: z.array(port, { error: 'expected a list' }).optional(),
  expose: stringList.optional(),
  volumes: z.array(volumeMount, { error: 'expected a list' }).optional(),
  tmpfs: stringOrList.optional(),
  networks: serviceNetworks.optional(),
  network_mode: str.optional(),
  depends_on: dependsOn.optional(),
  healthcheck: healthcheck.optional(),
  restart: z.union([str, z.literal(false).transform(() => 'no')], { error: 'expected a string' }).optional(),
  deploy: deploy.optional(),
  scale: int.optional(),
  mem_limit: text.optional(),
  memswap_limit: text.optional(),
  cpus: text.optional(),
  cpu_shares: int.optional(),
  pids_limit: int.optional(),
  labels: listOrDict.optional(),
  init: bool.optional(),
  read_only: bool.optional(),
  user: text.optional(),
  working_dir: str.optional(),
  hostname: str.optional(),
  stop_signal: str.optional(),
  stop_grace_period: text.optional(),
  profiles: stringList.optional(),
  container_name: str.optional(),
});

const external = z.union([bool, z.looseObject({ name: str.optional() })], { error: 'expected true or false' });

export const networkSchema = z.looseObject({
  driver: str.optional(),
  external: external.optional(),
  name: str.optional(),
  internal: bool.optional(),
  labels: listOrDict.optional(),
  ipam: z
    .looseObject({
      config: z.array(z.looseObject({ subnet: str.optional() }), { error: 'expected a list' }).optional(),
    })
    .optional(),
});

export const volumeSchema = z.looseObject({
  driver: str.optional(),
  external: external.optional(),
  name: str.optional(),
  labels: listOrDict.optional(),
});

export const fileSchema = z.looseObject({
  version: z.unknown().optional(),
  name: str.optional(),
  services: z.record(z.string(), serviceSchema.nullable(), { error: 'expected a mapping of services' }).optional(),
  networks: z.record(z.string(), networkSchema.nullable(), { error: 'expected a mapping of networks' }).optional(),
  volumes: z.record(z.string(), volumeSchema.nullable(), { error: 'expected a mapping of volumes' }).optional(),
});

export type ComposeFile = z.output<typeof fileSchema>;
export type ComposeService = z.output<typeof serviceSchema>;
export type ComposeNetwork = z.output<typeof networkSchema>;
export type ComposeVolume = z.output<typeof volumeSchema>;

/** The zod internals the key walk needs (zod 4 keeps every schema's definition in `_zod.def`). */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
  valueType?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/**
 * Every key of `value` that `schema` does not list, as a path; `x-*` keys (Compose extensions) are skipped.
 * In a union the first option the value matches is followed.
 */
export function unsupportedKeys(schema: z.ZodType, value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return def.innerType ? unsupportedKeys(def.innerType, value, path) : [];
    case 'pipe':
      return def.in ? unsupportedKeys(def.in, value, path) : [];
    case 'union': {
      const match = def.options?.find((option) => option.safeParse(value).success);
      return match ? unsupportedKeys(match, value, path) : [];
    }
    case 'array':
      return Array.isArray(value) && def.element
        ? value.flatMap((item, i) => unsupportedKeys(def.element as z.ZodType, item, [...path, i]))
        : [];
    case 'record':
      return isMapping(value) && def.valueType
        ? Object.entries(value).flatMap(([k, v]) => unsupportedKeys(def.valueType as z.ZodType, v, [...path, k]))
        : [];
    case 'object': {
      if (!isMapping(value)) return [];
      const shape = (schema as z.ZodObject).shape as Record<string, z.ZodType>;
      return Object.entries(value).flatMap(([k, v]) => {
        if (k.startsWith('x-')) return [];
        const child = shape[k];
        return child ? unsupportedKeys(child, v, [...path, k]) : [[...path, k]];
      });
    }
    default:
      return [];
  }
}
