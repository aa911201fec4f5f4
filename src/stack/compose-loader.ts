/**
 * The compose loader (./compose) as the orchestrator's StackLoader port, imported by the first project load
 * rather than with the stack module: it brings yaml and zod, ~9 MiB of an idle daemon's RSS
 * (docs/benchmarks.md, idle-memory) that a daemon which never sees a compose file should not hold. The
 * port's other methods take a project, which only a load can have made, so the module is there by then.
 */
import { Internal } from '../errors/index.js';
import type * as Compose from './compose/index.js';
import type { StackLoader } from './ports.js';
import type { StackProject, StackSource } from './types.js';

let compose: Promise<typeof Compose> | undefined;
let loaded: typeof Compose | undefined;

async function load(): Promise<typeof Compose> {
  loaded ??= await (compose ??= import('./compose/index.js'));
  return loaded;
}

function ready(): typeof Compose {
  if (!loaded) throw new Internal('the compose loader was asked about a project before loading any');
  return loaded;
}

/** A compose file (or several, merged) → a StackProject; see compose/load.ts. */
export async function loadProject(source: StackSource, opts?: Compose.LoadOptions): Promise<StackProject> {
  return (await load()).loadProject(source, opts);
}

/** The compose loader as a StackLoader, for StackService. */
export function composeLoader(): StackLoader {
  return {
    loadProject: (source) => loadProject(source),
    serviceOrder: (project, services) => ready().serviceOrder(project, services),
    toCreateRequest: (project, service, n) => ready().toCreateRequest(project, service, n),
    networkAttachments: (project, service) => ready().networkAttachments(project, service),
    renderConfig: (project) => ready().renderConfig(project),
  };
}
