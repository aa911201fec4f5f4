/**
 * `docker import --change`: Dockerfile instructions that set image config fields. Supported as docker does:
 * CMD, ENTRYPOINT (JSON exec form or shell form), ENV, EXPOSE, HEALTHCHECK, LABEL, STOPSIGNAL, USER, VOLUME,
 * WORKDIR.
 */
import { InvalidArgument } from '../../errors/index.js';
import { parseGoDuration } from '../../lib/index.js';
import type { ImageConfig } from './types.js';

function argv(rest: string, line: string): string[] {
  const t = rest.trim();
  if (t.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch {
      throw new InvalidArgument(`invalid --change "${line}": not a JSON array`);
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
      throw new InvalidArgument(`invalid --change "${line}": the exec form must be a JSON array of strings`);
    }
    return parsed;
  }
  return ['/bin/sh', '-c', t];
}

function pairs(rest: string, line: string): [string, string][] {
  const t = rest.trim();
  if (!t.includes('=')) {
    const sp = t.indexOf(' ');
    if (sp < 0) throw new InvalidArgument(`invalid --change "${line}": expected KEY=VALUE`);
    return [[t.slice(0, sp), t.slice(sp + 1).trim()]];
  }
  const out: [string, string][] = [];
  for (const m of t.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const v = m[2] ?? '';
    out.push([m[1] ?? '', v.startsWith('"') ? (JSON.parse(v) as string) : v]);
  }
  return out;
}

const HEALTH_OPTIONS: Record<string, 'Interval' | 'Timeout' | 'StartPeriod'> = { interval: 'Interval', timeout: 'Timeout', 'start-period': 'StartPeriod' };

/**
 * `HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--retries=N] CMD command` (exec or shell form)
 * or `HEALTHCHECK NONE`, as a Dockerfile: durations are Go durations, stored in nanoseconds as Docker's config.
 */
function healthcheck(rest: string, line: string): NonNullable<ImageConfig['Healthcheck']> {
  let t = rest.trim();
  if (/^NONE$/i.test(t)) return { Test: ['NONE'] };
  const h: NonNullable<ImageConfig['Healthcheck']> = {};
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(t); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(t)) {
    const [whole, name = '', value = ''] = m;
    t = t.slice(whole.length);
    const field = HEALTH_OPTIONS[name];
    if (field) h[field] = Math.round(parseGoDuration(value, `--change "${line}": --${name}`) * 1e6);
    else if (name === 'retries' && /^\d+$/.test(value)) h.Retries = Number(value);
    else throw new InvalidArgument(`invalid --change "${line}": bad HEALTHCHECK option --${name}=${value}`);
  }
  const cmd = /^CMD\s+([\s\S]+)$/i.exec(t)?.[1]?.trim();
  if (!cmd) throw new InvalidArgument(`invalid --change "${line}": HEALTHCHECK needs CMD command or NONE`);
  const exec = argv(cmd, line);
  h.Test = cmd.startsWith('[') ? ['CMD', ...exec] : ['CMD-SHELL', cmd];
  return h;
}

export function parseChanges(lines: readonly string[]): Partial<ImageConfig> {
  const c: Partial<ImageConfig> = {};
  for (const line of lines) {
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(line);
    if (!m) throw new InvalidArgument(`invalid --change "${line}": expected INSTRUCTION ARGS`);
    const rest = m[2] ?? '';
    switch ((m[1] ?? '').toUpperCase()) {
      case 'CMD':
        c.Cmd = argv(rest, line);
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = argv(rest, line);
        break;
      case 'ENV':
        c.Env = [...(c.Env ?? []), ...pairs(rest, line).map(([k, v]) => `${k}=${v}`)];
        break;
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs(rest, line)) };
        break;
      case 'EXPOSE':
        for (const p of rest.trim().split(/\s+/)) {
          if (!/^\d+(\/(tcp|udp|sctp))?$/.test(p)) throw new InvalidArgument(`invalid --change "${line}": bad port "${p}"`);
          c.ExposedPorts = { ...(c.ExposedPorts ?? {}), [p.includes('/') ? p : `${p}/tcp`]: {} };
        }
        break;
      case 'VOLUME':
        for (const v of rest.trim().startsWith('[') ? argv(rest, line) : rest.trim().split(/\s+/)) {
          c.Volumes = { ...(c.Volumes ?? {}), [v]: {} };
        }
        break;
      case 'WORKDIR':
        c.WorkingDir = rest.trim();
        break;
      case 'USER':
        c.User = rest.trim();
        break;
      case 'STOPSIGNAL':
        c.StopSignal = rest.trim();
        break;
      case 'HEALTHCHECK':
        c.Healthcheck = healthcheck(rest, line);
        break;
      default:
        throw new InvalidArgument(`invalid --change "${line}": ${m[1] ?? ''} is not supported (use CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)`);
    }
  }
  return c;
}
