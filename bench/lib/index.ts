/**
 * The benchmark harness: candidates measured interleaved, summarized (n, min, median, p90, p99, max, ratio to a
 * baseline), printed as Markdown and written as JSON with the machine they ran on. See docs/benchmarks.md.
 */
export { runCandidates, rotation, messageOf, type Candidate, type CandidateResult, type CandidateStatus, type RunnerOptions, type RunnerResult } from './runner.js';
export { summarize, percentile, type Summary } from './stats.js';
export { describeMachine, mountFsType, versionOf, type MachineDescription } from './machine.js';
export { markdownTable, timingTable, machineTable, writeReport, type BenchReport } from './report.js';
export { parseBenchArgs, runTimingBenchmark, RESULTS_DIR, type BenchCli, type TimingBenchmark } from './benchmark.js';
export { spawnChecked, probe, onPath, output, cliCandidate, type SpawnOptions, type CliCandidateOptions } from './command.js';
export { UnixJsonClient, type JsonResponse } from './unix-http.js';
export { listProcesses, pidsByComm, rssBytes, pssBytes, sum, type ProcessEntry } from './procfs.js';
export { PEERS, type PeerConfig } from './peers.js';
export { pureApi, dockerApi, lifecycleCandidate, type EngineApi } from './engine-api.js';
export { runcRunCandidate } from './runc-bundle.js';
export { measureIdleFootprint, MAX_CONTAINERS, type FootprintSubject, type FootprintResult } from './idle-footprint.js';
