/**
 * The network module: bridge networks through the CNI plugins (bridge + host-local, portmap, loopback),
 * a network namespace per container, published ports, per-network iptables rules (masquerade, isolation,
 * internal networks) and an embedded DNS server for user networks. See README.md.
 */
export { NetworkService, checkContainerNetworking, checkIpInNetwork, PREDEFINED, type NetworkServiceOptions } from './service.js';
export { Attacher, type AttachInput, type ContainerDirectory, type ContainerRef } from './attacher.js';
export { CniRunner, CniError, type CniConfList, type CniResult, type CniRuntime } from './cni.js';
export { HostRules, networkRules } from './host-rules.js';
export { NetnsDir } from './netns.js';
export { DnsServer, type DnsZone } from './dns-server.js';
export type { NetworkRecord, EndpointRecord } from './store.js';
export { parseCidr, parseIp, formatIp, formatCidr, overlaps, contains, pickFree } from './ipv4.js';
