/**
 * `pure bench`: the published container experiments (boot, io, net, overhead) rerun for Pure and its peers
 * side by side, with the harness under them (interleaved runner, order statistics, machine description,
 * reports). The CLI imports this lazily (src/cli/bench-commands.ts); bench/*.ts use the harness too.
 */
export { runCandidates, rotation, messageOf, type Candidate, type CandidateResult, type CandidateStatus, type RunnerOptions, type RunnerResult, type PhaseSamples } from './runner.js';
export { summarize, percentile, type Summary } from './stats.js';
export { describeMachine, mountFsType, versionOf, type MachineDescription } from './machine.js';
export { markdownTable, timingTable, machineTable, writeReport, type BenchReport } from './report.js';
export { spawnChecked, probe, onPath, output, cliCandidate, type SpawnOptions, type CliCandidateOptions } from './command.js';
export { UnixJsonClient, type JsonResponse } from './unix-http.js';
export { runBench, parseExperiments, DEFAULT_RUNS, type BenchRun, type BenchOutput, type BenchSettings } from './bench.js';
export { EXPERIMENTS, type BenchOptions, type CaseResult, type ExperimentName } from './experiment.js';
export { DEFAULT_CACHE, BENCH_IMAGE } from './datasets.js';
export { checkFindings, type Finding } from './findings.js';
