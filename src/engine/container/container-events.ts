/**
 * The container events the service publishes (PureEvent type "container"). Attributes follow Docker: the
 * container's labels under their own keys, then name and image (which win over labels of those names), then
 * the action's own (exitCode, oomKilled, signal, healthStatus, execCommand).
 */
import type { EventInput } from '../events/index.js';
import type { ContainerRecord } from './record.js';

/** Where events go: the daemon's EventBus (src/engine/events), or nothing in tests that do not look. */
export interface EventSink {
  publish(e: EventInput): unknown;
}

export type ContainerAction =
  | 'create' | 'start' | 'die' | 'oom' | 'stop' | 'kill' | 'pause' | 'unpause' | 'restart' | 'destroy' | 'health_status' | 'exec_start';

export function containerEvent(rec: ContainerRecord, action: ContainerAction, extra: Record<string, string> = {}): EventInput {
  return {
    type: 'container',
    action,
    id: rec.id,
    attributes: { ...(rec.config.labels ?? {}), name: rec.name, image: rec.image, ...extra },
  };
}
