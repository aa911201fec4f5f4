/**
 * The container lifecycle as a pure state machine: which action is allowed from which status, and the
 * one-line refusal when it is not. The service asks here first, so every refusal reads the same way.
 *
 *   create ─► created ─start─► running ◄─unpause─ paused
 *                ▲               │  └──pause──────►┘
 *                │             exit/stop/kill
 *                │               ▼
 *                └───(start)── exited ──rm──► (gone)
 */
import { Conflict } from '../../errors/index.js';
import type { ContainerStatus } from '../../api/types.js';

export type LifecycleAction = 'start' | 'stop' | 'kill' | 'pause' | 'unpause' | 'remove' | 'exec' | 'restart' | 'attach';

const ALLOWED: Record<LifecycleAction, readonly ContainerStatus[]> = {
  start: ['created', 'exited'],
  // stop of a stopped container is a no-op, as in docker
  stop: ['created', 'running', 'paused', 'exited', 'restarting'],
  kill: ['running', 'paused'],
  pause: ['running'],
  unpause: ['paused'],
  remove: ['created', 'exited', 'dead'],
  exec: ['running'],
  restart: ['created', 'running', 'exited', 'paused', 'restarting'],
  attach: ['created', 'running', 'exited', 'paused', 'restarting'],
};

/** Docker's wording of each refusal, with the container's name and what to do. */
function refusal(action: LifecycleAction, name: string, status: ContainerStatus): string {
  switch (action) {
    case 'remove':
      return status === 'running' || status === 'paused' || status === 'restarting'
        ? `cannot remove container "${name}": it is ${status} (stop it first or use -f)`
        : `cannot remove container "${name}": it is ${status}`;
    case 'start':
      return `cannot start container "${name}": it is ${status}`;
    case 'kill':
      return `cannot kill container "${name}": it is not running`;
    case 'pause':
      return status === 'paused'
        ? `cannot pause container "${name}": it is already paused`
        : `cannot pause container "${name}": it is not running`;
    case 'unpause':
      return `cannot unpause container "${name}": it is not paused`;
    case 'exec':
      return status === 'paused'
        ? `cannot exec in container "${name}": it is paused (unpause it first)`
        : `cannot exec in container "${name}": it is not running`;
    default:
      return `cannot ${action} container "${name}": it is ${status}`;
  }
}

export function isAllowed(action: LifecycleAction, status: ContainerStatus): boolean {
  return ALLOWED[action].includes(status);
}

/** Throw Conflict unless `action` may run on a container in `status`. */
export function assertAllowed(action: LifecycleAction, name: string, status: ContainerStatus): void {
  if (!isAllowed(action, status)) throw new Conflict(refusal(action, name, status));
}

export function isActive(status: ContainerStatus): boolean {
  return status === 'running' || status === 'paused' || status === 'restarting';
}
