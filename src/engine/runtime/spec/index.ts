/**
 * OCI runtime spec generation: turn what a container asks for (image config + `run` flags, already resolved)
 * into the config.json runc reads, with Docker's defaults (capabilities, mounts, masked paths, devices,
 * rlimits) and Pure's own default seccomp profile. buildSpec is pure; resolveUser and the rootfs readers do
 * the only I/O, against the image's rootfs and never outside it.
 */
export type {
  OciSpec,
  OciProcess,
  OciMount,
  OciNamespace,
  OciNamespaceType,
  OciLinux,
  OciResources,
  OciSeccomp,
  OciUser,
  OciRlimit,
  OciCapabilities,
  OciDeviceCgroup,
  SeccompSyscall,
  SeccompAction,
} from './oci-types.js';
export type { SpecOptions, SpecUser, BindMount, TmpfsMount, ResourceLimits, RlimitOption, NetworkOption } from './spec-options.js';
export {
  buildSpec,
  buildEnv,
  resolveCapabilities,
  defaultCgroupsPath,
  INIT_PATH_IN_CONTAINER,
  DEFAULT_INIT_BINARY,
} from './build-spec.js';
export {
  DEFAULT_CAPABILITIES,
  ALL_CAPABILITIES,
  DEFAULT_PATH,
  DEFAULT_NOFILE,
  DEFAULT_SHM_SIZE,
  MASKED_PATHS,
  READONLY_PATHS,
} from './defaults.js';
export { MIN_MEMORY } from './validate.js';
export { defaultSeccompProfile, seccompVerdict, CLONE_NAMESPACE_FLAGS, type SeccompProfileOptions } from './seccomp.js';
export { resolveUser } from './resolve-user.js';
export { resolveInRoot, openInRoot, readFileInRoot } from './rootfs-files.js';
export { findInitBinary, INIT_CANDIDATES } from './init-binary.js';
export { nofileCeiling, nofileCeilingFrom } from './host-limits.js';
