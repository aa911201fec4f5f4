/**
 * CNI invocation per the CNI spec 1.0 (SPEC.md "Execution Protocol" and "Network configuration lists"):
 * each plugin is an executable found in CNI_PATH, told what to do by environment variables (CNI_COMMAND,
 * CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH) and given its configuration on stdin. For a list, ADD runs
 * the plugins in order, each receiving the previous one's result as `prevResult`; DEL runs them in reverse,
 * each receiving the result of the ADD. A failing plugin prints `{ code, msg, details }` on stdout.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Internal } from '../../errors/index.js';
import { run } from '../../lib/index.js';

export interface CniPluginConf {
  type: string;
  [key: string]: unknown;
}

export interface CniConfList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
}

export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: { interface?: number; address: string; gateway?: string }[];
  routes?: { dst: string; gw?: string }[];
  dns?: object;
}

/** What the runtime passes for one attachment. */
export interface CniRuntime {
  containerId: string;
  /** Path of the netns; "" on DEL when it is gone already (plugins then release what they can). */
  netns: string;
  ifName: string;
  /** The `runtimeConfig` of plugins that declare the capability (portMappings, ips, mac…). */
  capabilityArgs?: Record<string, unknown>;
}

export class CniError extends Internal {
  constructor(
    readonly plugin: string,
    readonly cniCode: number,
    msg: string,
  ) {
    super(`CNI plugin ${plugin} failed: ${msg}`);
  }
}

export class CniRunner {
  readonly #paths: string[];
  constructor(opts: { pluginDirs?: string[] } = {}) {
    this.#paths = opts.pluginDirs ?? ['/usr/lib/cni', '/opt/cni/bin'];
  }

  /** ADD every plugin in order; on a failure the ones already added are deleted again (nothing half-made). */
  async add(list: CniConfList, rt: CniRuntime): Promise<CniResult> {
    let prev: CniResult | undefined;
    const done: CniPluginConf[] = [];
    try {
      for (const plugin of list.plugins) {
        const out = await this.#exec('ADD', this.#pluginConf(list, plugin, rt, prev), rt);
        done.push(plugin);
        prev = JSON.parse(out) as CniResult;
      }
    } catch (e) {
      await this.del({ ...list, plugins: done }, rt, prev).catch(() => undefined);
      throw e;
    }
    if (!prev) throw new Internal(`CNI network "${list.name}" has no plugins`);
    return prev;
  }

  /** DEL in reverse order; every plugin runs even when one fails (the first failure is thrown at the end). */
  async del(list: CniConfList, rt: CniRuntime, prevResult?: CniResult): Promise<void> {
    let first: Error | undefined;
    for (const plugin of [...list.plugins].reverse()) {
      try {
        await this.#exec('DEL', this.#pluginConf(list, plugin, rt, prevResult), rt);
      } catch (e) {
        first ??= e instanceof Error ? e : new Internal(String(e));
      }
    }
    if (first !== undefined) throw first;
  }

  #pluginConf(list: CniConfList, plugin: CniPluginConf, rt: CniRuntime, prev: CniResult | undefined): object {
    const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
    const caps = (plugin.capabilities ?? {}) as Record<string, boolean>;
    const runtimeConfig: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rt.capabilityArgs ?? {})) if (caps[k]) runtimeConfig[k] = v;
    if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
    if (prev) conf.prevResult = prev;
    return conf;
  }

  async #exec(command: 'ADD' | 'DEL' | 'CHECK', conf: object, rt: CniRuntime): Promise<string> {
    const type = (conf as CniPluginConf).type;
    const env = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: command,
      CNI_CONTAINERID: rt.containerId,
      CNI_NETNS: rt.netns,
      CNI_IFNAME: rt.ifName,
      CNI_PATH: this.#paths.join(':'),
    };
    const bin = await this.#find(type);
    const r = await run(bin, [], { input: JSON.stringify(conf), env, check: false });
    if (r.code !== 0) {
      let msg = r.stderr.trim() || `exit ${r.code}`;
      let code = r.code;
      try {
        const e = JSON.parse(r.stdout) as { code?: number; msg?: string; details?: string };
        msg = [e.msg, e.details].filter(Boolean).join(': ') || msg;
        code = e.code ?? code;
      } catch {
        // not a CNI error document: keep stderr
      }
      throw new CniError(type, code, msg);
    }
    return r.stdout;
  }

  readonly #found = new Map<string, string>();
  async #find(type: string): Promise<string> {
    const hit = this.#found.get(type);
    if (hit) return hit;
    for (const dir of this.#paths) {
      const p = join(dir, type);
      if (await access(p).then(() => true, () => false)) {
        this.#found.set(type, p);
        return p;
      }
    }
    throw new Internal(`CNI plugin "${type}" not found in ${this.#paths.join(':')} (install containernetworking-plugins)`);
  }
}
