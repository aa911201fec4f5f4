/**
 * The Linux bridge of a network, made when the network is created (not at its first container, as the
 * bridge plugin would) so the gateway address exists for the embedded DNS server to listen on.
 */
import { run } from '../../lib/index.js';

export async function ensureBridge(name: string, gatewayCidr: string): Promise<void> {
  const exists = (await run('ip', ['link', 'show', 'dev', name], { check: false })).code === 0;
  if (!exists) await run('ip', ['link', 'add', 'name', name, 'type', 'bridge']);
  await run('ip', ['addr', 'replace', gatewayCidr, 'dev', name]);
  await run('ip', ['link', 'set', name, 'up']);
}

export async function deleteBridge(name: string): Promise<void> {
  await run('ip', ['link', 'del', name], { check: false });
}

/** Destinations of the host's IPv4 routes (other bridges, LANs, VPNs): a new subnet must not overlap them. */
export async function hostRoutes(): Promise<{ dst: string; dev: string }[]> {
  const r = await run('ip', ['-4', 'route', 'show', 'table', 'main'], { check: false });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0] && w[0] !== 'default')
    .map((w) => ({ dst: w[0]!.includes('/') ? w[0]! : `${w[0]}/32`, dev: w[w.indexOf('dev') + 1] ?? '' }));
}
