/**
 * The CNI configuration list of a Pure network (also written to <root>/networks/<name>.conflist for anyone
 * who wants to read or replay it):
 *
 *   bridge (+ host-local IPAM)  a veth into the container, the other end on the network's bridge; the
 *                               gateway address on the bridge; addresses leased from Pure's own IPAM dir
 *   portmap                     DNAT for published ports (PREROUTING and OUTPUT, so 127.0.0.1 works too:
 *                               it sets route_localnet on the bridge and masquerades hairpin traffic)
 *
 * Masquerading and isolation are per network, not per container (host-rules.ts): the bridge plugin's own
 * ipMasq can only be undone by a DEL that still finds the container's netns, so after a crash it would leak.
 */
import type { CniConfList } from './cni.js';
import type { NetworkRecord } from './store.js';

export const CNI_VERSION = '1.0.0';

export function buildConfList(n: NetworkRecord, ipamDir: string): CniConfList {
  return {
    cniVersion: CNI_VERSION,
    name: n.name,
    plugins: [
      {
        type: 'bridge',
        bridge: n.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        capabilities: { ips: true },
        ipam: {
          type: 'host-local',
          dataDir: ipamDir,
          ranges: [[{ subnet: n.subnet, gateway: n.gateway }]],
          // an internal network has no way out: no default route at all
          routes: n.internal ? [] : [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** Brings up `lo` in a netns we made ourselves (runc does it only for a netns it creates). */
export const LOOPBACK_CONF: CniConfList = {
  cniVersion: CNI_VERSION,
  name: 'pure-loopback',
  plugins: [{ type: 'loopback' }],
};
