/** Small, domain-free building blocks shared by every module: processes, sizes, durable writes. */
export { run, type RunResult, type RunOptions } from './process.js';
export { parseBytes, parseDuration, formatBytes } from './units.js';
export { parseGoDuration } from './go-duration.js';
export { writeFileAtomic, syncDir } from './atomic-file.js';
export { mountFs, unmountFs, unmountFsAsync, MountError, MNT_DETACH, MS_NODEV, MS_NOSUID } from './mount.js';
export { allOrFirstError } from './settle.js';
export { KeyLock } from './key-lock.js';
export { parseFilterList } from './filter-list.js';
