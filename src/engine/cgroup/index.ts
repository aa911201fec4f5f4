/**
 * cgroups: detect the host's layout (v1, v2, hybrid) and read, watch for OOM, list and remove the cgroups
 * runc made for containers. Pure never writes limits here: runc applies them from the spec's resources.
 */
export { detectCgroupMode, type CgroupMode } from './mode.js';
export { CgroupReader, checkCgroupsPath, type CgroupStats, type CgroupReaderOptions } from './cgroup-reader.js';
export { parseLimit, parseKeyValues, parseBlkioServiceBytes, parseIoStat } from './cgroup-files.js';
