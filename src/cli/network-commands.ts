/**
 * `pure network create|ls|inspect|rm|prune|connect|disconnect` and `pure port`, docker's verbs and output.
 */
import type { Command } from 'commander';
import { NotFound } from '../errors/index.js';
import type { ContainerInspect, NetworkInspect, NetworkPruneResponse, PortBinding } from '../api/types.js';
import { renderTable } from './format.js';
import { checkFormat, collect, forEachTarget, printJsonLines, seg, type CliContext } from './context.js';

export function registerNetworkCommands(program: Command, ctx: CliContext): void {
  const net = program.command('network').description('manage networks (create, ls, inspect, rm, prune, connect, disconnect)');

  net
    .command('create')
    .description('create a bridge network; prints its id')
    .option('--subnet <cidr>', 'IPv4 subnet (default: a free /24 from 10.90.0.0/15)')
    .option('--gateway <ip>', 'gateway address inside the subnet (default: its first address)')
    .option('--internal', 'no access to or from outside the network')
    .option('-d, --driver <driver>', 'only "bridge"', 'bridge')
    .option('-l, --label <key=value>', 'set a label; repeatable', collect)
    .argument('<name>')
    .action(async (name: string, o: { subnet?: string; gateway?: string; internal?: boolean; driver: string; label?: string[] }) => {
      if (o.driver !== 'bridge') throw new NotFound(`no such network driver: "${o.driver}" (only bridge)`);
      const labels = Object.fromEntries((o.label ?? []).map((l) => [l.split('=')[0] ?? l, l.includes('=') ? l.slice(l.indexOf('=') + 1) : '']));
      const body = { name, ...(o.subnet ? { subnet: o.subnet } : {}), ...(o.gateway ? { gateway: o.gateway } : {}), ...(o.internal ? { internal: true } : {}), ...(o.label ? { labels } : {}) };
      const n = await ctx.client().json<NetworkInspect>('POST', '/v1/networks', body);
      ctx.stdout.write(`${n.id}\n`);
    });

  net
    .command('ls')
    .alias('list')
    .description('list networks')
    .option('-q, --quiet', 'only print network ids')
    .option('--no-trunc', 'print full ids')
    .option('--format <format>', 'output format: table (default) or json (one object per line)')
    .action(async (o: { quiet?: boolean; trunc: boolean; format?: string }) => {
      const json = checkFormat(o.format);
      const nets = await ctx.client().json<NetworkInspect[]>('GET', '/v1/networks');
      const id = (n: NetworkInspect) => (o.trunc ? n.id.slice(0, 12) : n.id);
      if (o.quiet) for (const n of nets) ctx.stdout.write(`${id(n)}\n`);
      else if (json) printJsonLines(ctx, nets);
      else ctx.stdout.write(renderTable(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE', 'SUBNET'], nets.map((n) => [id(n), n.name, n.driver, 'local', n.subnet])));
    });

  net
    .command('inspect')
    .description('print networks\' details as a JSON array')
    .option('-f, --format <format>', 'output format: json (the default)')
    .argument('<network...>')
    .action(async (refs: string[], o: { format?: string }) => {
      checkFormat(o.format);
      const found: NetworkInspect[] = [];
      for (const ref of refs) {
        try {
          found.push(await ctx.client().json<NetworkInspect>('GET', `/v1/networks/${seg(ref)}`));
        } catch (err) {
          ctx.stderr.write(`pure: ${(err as Error).message}\n`);
          ctx.exitCode = Math.max(ctx.exitCode, 1);
        }
      }
      ctx.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    });

  net
    .command('rm')
    .alias('remove')
    .description('remove networks (refused while a container uses one)')
    .argument('<network...>')
    .action(async (refs: string[]) => {
      await forEachTarget(ctx, refs, async (ref) => {
        await ctx.client().json('DELETE', `/v1/networks/${seg(ref)}`);
      });
    });

  net
    .command('prune')
    .description('remove every network no container uses')
    .option('-f, --force', 'do not ask (Pure never asks)')
    .action(async () => {
      const r = await ctx.client().json<NetworkPruneResponse>('POST', '/v1/networks/prune');
      if (r.deleted.length > 0) ctx.stdout.write(`Deleted Networks:\n${r.deleted.map((n) => `${n}\n`).join('')}`);
    });

  net
    .command('connect')
    .description('connect a container to a network (a running one joins at once)')
    .option('--ip <address>', 'a fixed IPv4 address')
    .option('--alias <name>', 'another name for the container on this network; repeatable', collect)
    .argument('<network>')
    .argument('<container>')
    .action(async (network: string, container: string, o: { ip?: string; alias?: string[] }) => {
      await ctx.client().json('POST', `/v1/networks/${seg(network)}/connect`, { container, ...(o.ip ? { ipAddress: o.ip } : {}), ...(o.alias ? { aliases: o.alias } : {}) });
    });

  net
    .command('disconnect')
    .description('disconnect a container from a network')
    .option('-f, --force', 'no error when it is not connected')
    .argument('<network>')
    .argument('<container>')
    .action(async (network: string, container: string, o: { force?: boolean }) => {
      await ctx.client().json('POST', `/v1/networks/${seg(network)}/disconnect`, { container, ...(o.force ? { force: true } : {}) });
    });

  program
    .command('port')
    .description('list a container\'s published ports (or the host address of one)')
    .argument('<container>')
    .argument('[port]', 'PORT[/PROTO]')
    .action(async (container: string, port: string | undefined) => {
      const c = await ctx.client().json<ContainerInspect>('GET', `/v1/containers/${seg(container)}`);
      const ports = c.networkSettings?.ports ?? [];
      if (port === undefined) {
        for (const p of ports) ctx.stdout.write(`${p.containerPort}/${p.protocol} -> ${hostAddress(p)}\n`);
        return;
      }
      const [num, proto = 'tcp'] = port.split('/');
      const hits = ports.filter((p) => String(p.containerPort) === num && p.protocol === proto);
      if (hits.length === 0) throw new NotFound(`no public port "${port}" published for "${container}"`);
      for (const p of hits) ctx.stdout.write(`${hostAddress(p)}\n`);
    });
}

function hostAddress(p: PortBinding): string {
  return `${p.hostIp || '0.0.0.0'}:${p.hostPort ?? ''}`;
}
