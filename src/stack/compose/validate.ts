/**
 * Checks across services, after each service is normalised: depends_on names a known, enabled service and
 * has no cycle; no host port is wanted twice (by two services, or by the replicas of one).
 */
import type { PortBinding } from '../../api/types.js';
import type { StackService } from '../types.js';
import type { Diagnostics } from './diagnostics.js';
import { findCycle } from './order.js';

type Service = Omit<StackService, 'configHash'>;

/**
 * `enabled`: the services the profiles keep; `all`: every service name in the file with its profiles.
 * A dependency on a service that profiles disable is dropped with a warning when `required: false`.
 */
export function checkDependencies(enabled: Record<string, Service>, all: Record<string, string[]>, diag: Diagnostics): void {
  for (const service of Object.values(enabled)) {
    for (const [dep, settings] of Object.entries(service.dependsOn)) {
      const where = ['services', service.name, 'depends_on'];
      if (!(dep in all)) diag.fail(where, `unknown service "${dep}"`);
      if (dep in enabled) continue;
      const profiles = (all[dep] ?? []).join(', ');
      if (settings.required) diag.fail(where, `service "${dep}" is disabled by profiles (enable one of: ${profiles})`);
      diag.warn([...where, dep], `service "${dep}" is disabled by profiles (${profiles}), ignored (required: false)`);
      delete service.dependsOn[dep];
    }
  }
  const cycle = findCycle(enabled);
  if (cycle) diag.fail(['services', cycle[0] as string, 'depends_on'], `cycle ${cycle.join(' -> ')}`);
}

const ANY_ADDRESS = new Set([undefined, '', '0.0.0.0', '::']);

function overlaps(a: PortBinding, b: PortBinding): boolean {
  return a.hostPort === b.hostPort && a.protocol === b.protocol && (ANY_ADDRESS.has(a.hostIp) || ANY_ADDRESS.has(b.hostIp) || a.hostIp === b.hostIp);
}

/** Fixed host ports: one per (address, port, protocol) across the project, and none on a service with replicas > 1. */
export function checkHostPorts(enabled: Record<string, Service>, diag: Diagnostics): void {
  const taken: { service: string; binding: PortBinding }[] = [];
  for (const service of Object.values(enabled)) {
    const where = ['services', service.name, 'ports'];
    for (const binding of service.ports) {
      if (binding.hostPort === undefined) continue;
      const port = `${binding.hostPort}/${binding.protocol}`;
      if (service.replicas > 1) {
        diag.fail(where, `host port ${port} is wanted by each of the ${service.replicas} replicas (publish it from one replica, or leave the host port out)`);
      }
      const other = taken.find((t) => overlaps(t.binding, binding));
      if (other) diag.fail(where, `host port ${port} is also published by service ${other.service}`);
      taken.push({ service: service.name, binding });
    }
  }
}
