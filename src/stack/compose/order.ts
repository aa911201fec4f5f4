/**
 * Dependency order of a project's services (depends_on): every service after the services it depends on; ties
 * keep the file's order. The loader rejects cycles with `services.a.depends_on: cycle a -> b -> a`.
 */
import { InvalidArgument, NotFound } from '../../errors/index.js';
import type { StackProject } from '../types.js';

type Graph = Record<string, { dependsOn: Record<string, unknown> }>;

/** A cycle through depends_on as the list of names around it (first === last), or undefined. */
export function findCycle(services: Graph): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done' || !(name in services)) return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of Object.keys(services[name]?.dependsOn ?? {})) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(services)) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The project's services in dependency order, or, with `services`, those services and everything they depend
 * on (transitively), in dependency order. A name that is not a service of the project is NotFound.
 */
export function serviceOrder(project: StackProject, services?: readonly string[]): string[] {
  const cycle = findCycle(project.services);
  if (cycle) throw new InvalidArgument(`services.${cycle[0]}.depends_on: cycle ${cycle.join(' -> ')}`);
  for (const name of services ?? []) {
    if (!(name in project.services)) throw new NotFound(`no such service "${name}" in project "${project.name}"`);
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const service = project.services[name];
    if (seen.has(name) || !service) return;
    seen.add(name);
    for (const dep of Object.keys(service.dependsOn)) visit(dep);
    out.push(name);
  };
  for (const name of services ?? Object.keys(project.services)) visit(name);
  return out;
}
