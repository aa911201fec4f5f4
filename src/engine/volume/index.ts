/**
 * The volume module: named and anonymous volumes of the local driver (<root>/volumes/<name>/_data), docker's
 * copy-up from the image, and what the container service needs to mount them. See volume-service.ts.
 */
export { VolumeService, type VolumeServiceOptions, type VolumeRecoveryReport } from './volume-service.js';
export type { AttachResult } from './container-volumes.js';
export { validateVolumeName, isValidVolumeName, newVolumeName } from './names.js';
