/**
 * One measured container, as the INGInious study times it: t0 → `create` → t_c → `start` → t_s → the steps
 * (an exec, an HTTP request…) → t_e. Its process is a long sleep that never receives input — the study's
 * "shell that stays up" — so the measured steps run in a container that is really up. Removing the container
 * (with its anonymous volumes) follows every run, untimed, even when a step failed.
 */
import { Internal } from '../errors/index.js';
import { engineCli, ensureImage, readyEngine, removeNowArgs, type Engine } from './engines.js';
import type { Candidate, RunOutcome } from './runner.js';

export interface ContainerStep {
  phase: string;
  /** The timed work; `id` is the running container's. */
  run(engine: Engine, id: string): Promise<void>;
}

export interface ContainerPlan {
  image: string;
  /** Tarball to import as `image` when the engine lacks it. */
  imageTar: string;
  /** Flags of `create` before the image: --network, -p, -v… Called per run (a fresh host port, say). */
  createFlags: () => readonly string[] | Promise<readonly string[]>;
  steps: readonly ContainerStep[];
}

/** The keep-alive process every measured container runs (the study's idle shell). */
export const KEEP_ALIVE = ['sleep', '86400'];

/** A step running `argv` in the container with `X exec` and requiring exit 0. */
export function execStep(phase: string, argv: readonly string[]): ContainerStep {
  return { phase, run: (engine, id) => engineCli(engine, ['exec', id, ...argv]).then(() => {}) };
}

export function containerCandidate(name: string, engine: Engine, plan: ContainerPlan, hooks: { setup?(): Promise<void>; teardown?(): Promise<void> } = {}): Candidate {
  return {
    name,
    async setup() {
      await hooks.setup?.();
      await readyEngine(engine);
      await ensureImage(engine, plan.image, plan.imageTar);
    },
    async run(): Promise<RunOutcome> {
      const flags = await plan.createFlags();
      const phasesNs: Record<string, number> = {};
      let t = process.hrtime.bigint();
      const lap = (phase: string): void => {
        const now = process.hrtime.bigint();
        phasesNs[phase] = Number(now - t);
        t = now;
      };
      const out = await engineCli(engine, ['create', ...flags, plan.image, ...KEEP_ALIVE]);
      const id = out.split('\n').pop()?.trim() ?? '';
      if (!/^[0-9a-f]{12,64}$/.test(id)) throw new Internal(`${engine.name} create printed no container id: ${out.slice(0, 200)}`);
      lap('create');
      try {
        await engineCli(engine, ['start', id]);
        lap('start');
        for (const step of plan.steps) {
          await step.run(engine, id);
          lap(step.phase);
        }
      } finally {
        await engineCli(engine, removeNowArgs(engine, [id])).catch(() => {});
      }
      return { phasesNs, totalNs: Object.values(phasesNs).reduce((a, b) => a + b, 0) };
    },
    teardown: () => hooks.teardown?.() ?? Promise.resolve(),
  };
}
