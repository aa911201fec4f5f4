/** `pure system df`: what images, containers and volumes use on disk. */
export { diskUsage, duBytes, type DiskUsage, type DiskUsageSources, type UsageRow } from './disk-usage.js';
