/**
 * The sandbox: untrusted code as one-shot jobs with hard limits and a verdict, a durable queue, and warm
 * pools. It sits above the engine (runtime driver, spec builder, snapshotter, cgroup reader) and below the
 * API. See README.md for the model and the isolation it promises.
 */
export type { CallbackDelivery, CallbackState, JobStatus, JobLimits, JobFile, JobRequest, JobResult, JobRecord, JobState, CollectedFile, JobCase, GraderRequest, Grade, CaseResult } from './types.js';
export { JOB_STATUSES } from './types.js';
export { DEFAULT_LIMITS, resolveLimits } from './limits.js';
export { openSandbox, type SandboxOptions, type SandboxSystem } from './assemble.js';
export { SandboxService, QueueFull, type QueueMetrics } from './service.js';
export type { SandboxImage } from './rootfs-cache.js';
export type { PoolMetrics } from './pool.js';
export type { SandboxNetwork } from './sandbox.js';
