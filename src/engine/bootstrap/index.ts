/**
 * Base images made on this machine, so a host with no registry still has real images: `busybox` from the
 * host's busybox-static, `debian:<suite>` with debootstrap from the Debian mirror. See README.md.
 */
export { bootstrapBusybox, bootstrapDebian, type BusyboxOptions, type DebianOptions } from './bootstrap.js';
export { makeBusyboxRootfs, HOST_BUSYBOX } from './busybox-rootfs.js';
