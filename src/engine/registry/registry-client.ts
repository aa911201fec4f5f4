import { InvalidArgument } from '../../errors/index.js';
import { locate } from './hosts.js';
import { Repository, type RepositoryOptions } from './repository.js';
import type { RetryOptions } from './retry.js';
import { registryError, Transport, type Credentials, type TransportOptions } from './transport.js';

export interface RegistryClientOptions extends TransportOptions {
  /** Retry policy of every request (default: 4 attempts, 500 ms doubling). */
  retry?: Omit<RetryOptions, 'signal'>;
  /** Upload chunk size of every repository (RepositoryOptions.chunkSize; default 16 MiB, 0 = no chunks). */
  chunkSize?: number;
}

/**
 * The daemon's one way to reach registries. `repository(name)` gives the distribution API of one
 * repository, named the familiar way (`busybox`, `localhost:5000/x/y`); connections and tokens are shared.
 */
export class RegistryClient {
  private readonly transport: Transport;
  private readonly retry: Omit<RetryOptions, 'signal'> | undefined;
  private readonly chunkSize: number | undefined;

  constructor(opts: RegistryClientOptions = {}) {
    this.transport = new Transport(opts);
    this.retry = opts.retry;
    this.chunkSize = opts.chunkSize;
  }

  repository(name: string, opts: Omit<RepositoryOptions, 'retry'> = {}): Repository {
    const { registry, repository } = locate(name);
    return new Repository(this.transport, registry, repository, { chunkSize: this.chunkSize, ...opts, retry: this.retry });
  }

  /** `docker login`: check credentials against the registry's base endpoint (GET /v2/, with its challenge). */
  async login(registry: string, credentials: Credentials, signal?: AbortSignal): Promise<void> {
    if (credentials.username === undefined && credentials.identityToken === undefined) throw new InvalidArgument('login needs a username');
    const res = await this.transport.send({ registry, path: '/v2/', scopes: [], credentials, signal });
    if (res.statusCode !== 200) throw await registryError(res, registry);
    await res.body.dump();
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
