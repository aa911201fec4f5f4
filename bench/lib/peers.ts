/**
 * Where the peers and Pure live on this host, in one place so every benchmark agrees.
 * Override with environment variables when the layout differs.
 */
export interface PeerConfig {
  /** The image every benchmark runs, imported from test/fixtures/busybox.ts by scripts/install-peers.sh. */
  image: string;
  pureSocket: string;
  purePidFile: string;
  dockerSocket: string;
}

export const PEERS: PeerConfig = {
  image: process.env.PURE_BENCH_IMAGE ?? 'pure-bench/busybox',
  pureSocket: process.env.PURE_SOCKET ?? '/run/pure/pure.sock',
  purePidFile: process.env.PURE_PID_FILE ?? '/run/pure/pure.pid',
  dockerSocket: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock',
};
