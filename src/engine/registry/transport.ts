/**
 * The HTTP side of the distribution API: which scheme a registry speaks, authentication from its
 * `WWW-Authenticate` challenges (anonymous, Basic, Bearer tokens per repository scope), redirects (blob
 * downloads are often redirected to a CDN, which must not see our credentials), and the mapping of answers
 * to the error catalog. One Transport per daemon: connections and tokens are shared by every pull and push.
 */
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { FailedPrecondition, InvalidArgument, NotFound, Unavailable } from '../../errors/index.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { endpointOf, isInsecure } from './hosts.js';
import { TransientError } from './retry.js';

/** What a user logged in with (Docker's config.json `auths` entry, decoded). */
export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (Docker's `identitytoken`). */
  identityToken?: string;
  /** A bearer token to send as is (Docker's `registrytoken`). */
  registryToken?: string;
}

export interface TransportOptions {
  /** Registries (host, host:port or IPv4 CIDR) that may be reached over plain HTTP; loopback always may. */
  insecureRegistries?: readonly string[];
  /** A PEM file of extra CA certificates, trusted on top of the system's. */
  caFile?: string;
  userAgent?: string;
}

export interface SendRequest {
  registry: string;
  /** `/v2/...`, or an absolute URL (an upload Location). */
  path: string;
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  /** A fresh body for each attempt (auth retries and redirects resend it). */
  body?: () => Buffer | Readable;
  /** Scopes to ask a token for: `repository:library/busybox:pull`. */
  scopes: readonly string[];
  credentials?: Credentials;
  signal?: AbortSignal;
}

export type Response = Dispatcher.ResponseData;

const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const MAX_REDIRECTS = 5;
const TOKEN_SLACK_MS = 10_000;

export class Transport {
  private readonly agent: Agent;
  private readonly insecure: readonly string[];
  private readonly userAgent: string;
  private readonly bases = new Map<string, Promise<string>>();
  private readonly tokens = new Map<string, { header: string; expires: number }>();

  constructor(opts: TransportOptions = {}) {
    // Node trusts its bundled Mozilla list; Debian's system bundle carries the CAs an operator added.
    const ca = [...rootCertificates];
    if (existsSync(SYSTEM_CA_BUNDLE)) ca.push(readFileSync(SYSTEM_CA_BUNDLE, 'utf8'));
    if (opts.caFile !== undefined) ca.push(readCaFile(opts.caFile));
    this.agent = new Agent({ connect: { ca, timeout: 15_000 }, headersTimeout: 60_000, bodyTimeout: 120_000 });
    this.insecure = opts.insecureRegistries ?? [];
    this.userAgent = opts.userAgent ?? 'pure';
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /**
   * Send a request, authenticating when the registry challenges it. Resolves with any answer but 401
   * (which becomes an error) and 429/5xx (a TransientError, for withRetry). The caller consumes the body.
   */
  async send(req: SendRequest): Promise<Response> {
    const base = await this.baseOf(req.registry, req.signal);
    // tokens are cached per credentials too: one client's login must never serve another client's request
    const tokenKey = `${req.registry} ${req.scopes.join(' ')} ${credentialsKey(req.credentials)}`;
    let url = new URL(req.path, base);
    let auth = this.cachedAuth(tokenKey);
    let method = req.method ?? 'GET';
    let authenticated = false;
    for (let hop = 0; ; hop++) {
      const sameOrigin = url.origin === new URL(base).origin;
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
      if (auth !== undefined && sameOrigin) headers.authorization = auth;
      const res = await request(url, { method, headers, body: req.body?.(), dispatcher: this.agent, signal: req.signal }).catch((e: unknown) => {
        throw tlsFailure(e, `registry ${req.registry}`) ?? e;
      });
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304 && typeof location === 'string') {
        await res.body.dump();
        if (hop >= MAX_REDIRECTS) throw new Unavailable(`too many redirects from ${req.registry}`);
        url = new URL(location, url);
        if (res.statusCode === 303) method = 'GET';
        continue;
      }
      if (res.statusCode === 401 && sameOrigin && !authenticated) {
        const challenge = await challengeOf(res);
        auth = await this.authorize(req, challenge, tokenKey);
        authenticated = true;
        if (auth !== undefined) continue;
        throw new FailedPrecondition(`unauthorized: authentication required (no credentials for ${req.registry}: use pure login ${req.registry})`);
      }
      if (res.statusCode === 401) throw await registryError(res, req.registry);
      if (res.statusCode === 429 || res.statusCode >= 500) {
        const retryAfter = Number(res.headers['retry-after']);
        const err = await registryError(res, req.registry);
        throw new TransientError(err.message, Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
      }
      return res;
    }
  }

  /** The absolute URL a request for `path` (a `/v2/...` path or an absolute URL) goes to. */
  async urlOf(registry: string, path: string, signal?: AbortSignal): Promise<URL> {
    return new URL(path, await this.baseOf(registry, signal));
  }

  /** The scheme and host to use: https always, plain http only for insecure registries that do not speak TLS. */
  private baseOf(registry: string, signal?: AbortSignal): Promise<string> {
    let base = this.bases.get(registry);
    if (base === undefined) {
      const host = endpointOf(registry);
      base = isInsecure(registry, this.insecure) ? this.probe(host, signal) : Promise.resolve(`https://${host}`);
      this.bases.set(registry, base);
      // a failed probe is not remembered: the registry may just not be up yet
      base.catch(() => this.bases.delete(registry));
    }
    return base;
  }

  /** Docker's order for insecure registries: try TLS first, fall back to plain HTTP when TLS fails. */
  private async probe(host: string, signal?: AbortSignal): Promise<string> {
    try {
      const res = await request(`https://${host}/v2/`, { dispatcher: this.agent, signal, headersTimeout: 5000 });
      await res.body.dump();
      return `https://${host}`;
    } catch (e) {
      signal?.throwIfAborted();
      if (isRefused(e)) throw new Unavailable(`cannot reach registry ${host}: connection refused`, { cause: e });
      // it speaks TLS, with a certificate we do not trust: falling back to plain HTTP would only hide that
      if (tlsKind(e) === 'untrusted') throw tlsFailure(e, `registry ${host}`) ?? e;
      return `http://${host}`;
    }
  }

  private cachedAuth(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (t && t.expires > Date.now()) return t.header;
    return undefined;
  }

  private async authorize(req: SendRequest, challenges: Challenge[], tokenKey: string): Promise<string | undefined> {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const creds = req.credentials;
    if (bearer) {
      if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
      const { token, expiresIn } = await this.fetchToken(req, bearer);
      const header = `Bearer ${token}`;
      this.tokens.set(tokenKey, { header, expires: Date.now() + Math.max(0, expiresIn * 1000 - TOKEN_SLACK_MS) });
      return header;
    }
    if (challenges.some((c) => c.scheme === 'basic') && creds?.username !== undefined) {
      const header = `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
      this.tokens.set(tokenKey, { header, expires: Number.MAX_SAFE_INTEGER });
      return header;
    }
    return undefined;
  }

  /** The token flow of the distribution spec (GET with Basic credentials, or OAuth2 POST with a refresh token). */
  private async fetchToken(req: SendRequest, c: Challenge): Promise<{ token: string; expiresIn: number }> {
    const realm = c.params.realm;
    if (!realm || !/^https?:\/\//.test(realm)) throw new FailedPrecondition(`registry ${req.registry} sent a bearer challenge without a usable realm`);
    const url = new URL(realm);
    const service = c.params.service;
    const scopes = req.scopes.length > 0 ? req.scopes : c.params.scope ? [c.params.scope] : [];
    const creds = req.credentials;
    let res: Response;
    if (creds?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'pure' });
      if (service) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      res = await request(url, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, dispatcher: this.agent, signal: req.signal }).catch((e: unknown) => {
        throw tlsFailure(e, `token server ${url.host}`) ?? e;
      });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = { 'user-agent': this.userAgent };
      if (creds?.username !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
        url.searchParams.set('account', creds.username);
      }
      res = await request(url, { headers, dispatcher: this.agent, signal: req.signal }).catch((e: unknown) => {
        throw tlsFailure(e, `token server ${url.host}`) ?? e;
      });
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.body.dump();
      throw new FailedPrecondition(`unauthorized: the token server ${url.host} refused the credentials for ${req.registry}`);
    }
    if (res.statusCode === 429 || res.statusCode >= 500) {
      await res.body.dump();
      throw new TransientError(`token server ${url.host} answered HTTP ${res.statusCode}`);
    }
    const text = await readLimited(res, 1024 * 1024, 'token answer');
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text.toString('utf8')) as typeof body;
    } catch {
      throw new FailedPrecondition(`token server ${url.host} answered HTTP ${res.statusCode} without a JSON token`);
    }
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (res.statusCode !== 200 || !token) throw new FailedPrecondition(`token server ${url.host} answered HTTP ${res.statusCode} without a token`);
    return { token, expiresIn: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60 };
  }
}

function credentialsKey(c: Credentials | undefined): string {
  if (!c) return 'anonymous';
  return createHash('sha256').update(JSON.stringify([c.username, c.password, c.identityToken, c.registryToken])).digest('hex');
}

async function challengeOf(res: Response): Promise<Challenge[]> {
  await res.body.dump();
  const header = res.headers['www-authenticate'];
  return parseChallenges(Array.isArray(header) ? header.join(', ') : (header ?? ''));
}

/** The `--registry-ca` file: PEM certificates; a missing or non-PEM file is refused with the reason when the client is made. */
function readCaFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidArgument(`invalid --registry-ca "${file}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new InvalidArgument(`invalid --registry-ca "${file}": no PEM certificate in it`);
  return text;
}

/** Node's codes (openssl's X509_V_ERR names, and its own) for a certificate chain or name it does not accept. */
const UNTRUSTED_CERT = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/** The CA cannot help with these: the certificate itself is wrong. */
const BAD_CERT = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** `untrusted`: the registry's certificate failed verification; `not-tls`: the server answered TLS with something else. */
function tlsKind(e: unknown): 'untrusted' | 'not-tls' | undefined {
  for (let err = e as { code?: unknown; cause?: unknown } | undefined, d = 0; err && d < 4; err = err.cause as typeof err, d++) {
    if (typeof err.code !== 'string') continue;
    if (UNTRUSTED_CERT.has(err.code)) return 'untrusted';
    if (err.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || err.code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return 'not-tls';
  }
  return undefined;
}

/**
 * A TLS failure as one line that says what to do. Plain HTTP is never tried for a registry that is not
 * loopback or `--insecure-registry` (hosts.ts): its https answer being plain HTTP is an error, not a fallback.
 */
function tlsFailure(e: unknown, who: string): FailedPrecondition | undefined {
  const kind = tlsKind(e);
  if (kind === 'not-tls') {
    return new FailedPrecondition(
      `${who} does not speak TLS (HTTPS), plain HTTP perhaps; Pure uses plain HTTP only for loopback registries and those given to the daemon with --insecure-registry`,
      { cause: e },
    );
  }
  if (kind !== 'untrusted') return undefined;
  let code = '';
  let reason = '';
  for (let err = e as { code?: unknown; message?: unknown; cause?: unknown } | undefined, d = 0; err && d < 4 && !code; err = err.cause as typeof err, d++) {
    if (typeof err.code === 'string' && UNTRUSTED_CERT.has(err.code)) {
      code = err.code;
      reason = typeof err.message === 'string' ? (err.message.split('\n')[0] ?? '') : '';
    }
  }
  const hint = BAD_CERT.has(code) ? 'the registry needs a valid certificate' : 'give the daemon its CA with --registry-ca FILE';
  return new FailedPrecondition(`${who}: its TLS certificate is not trusted (${reason || code}); ${hint}`, { cause: e });
}

function isRefused(e: unknown): boolean {
  for (let err = e as { code?: unknown; cause?: unknown } | undefined, d = 0; err && d < 4; err = err.cause as typeof err, d++) {
    if (err.code === 'ECONNREFUSED') return true;
  }
  return false;
}

/** Read a whole body, refusing more than `max` bytes (a hostile registry can send forever). */
export async function readLimited(res: Response, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    res.body.destroy();
    throw new InvalidArgument(`the ${what} is larger than ${max} bytes (${declared})`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body) {
    const buf = chunk as Buffer;
    n += buf.length;
    if (n > max) {
      res.body.destroy();
      throw new InvalidArgument(`the ${what} is larger than ${max} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * A registry's error answer as a catalog error: the spec's `{"errors":[{"code","message"}]}` when it sent
 * one, else the status (and a hint when the body is an HTML page, e.g. a proxy's error page).
 */
export async function registryError(res: Response, registry: string): Promise<Error> {
  let detail: string;
  try {
    const text = (await readLimited(res, 64 * 1024, 'error answer')).toString('utf8');
    detail = describeBody(text, res.statusCode);
  } catch {
    detail = `HTTP ${res.statusCode}`;
  }
  if (res.statusCode === 401) return new FailedPrecondition(`unauthorized: ${detail} (use pure login ${registry})`);
  if (res.statusCode === 403) return new FailedPrecondition(`denied: ${detail}`);
  if (res.statusCode === 404) return new NotFound(`not found: ${detail}`);
  if (res.statusCode === 429 || res.statusCode >= 500) return new Unavailable(`registry ${registry} failed: ${detail}`);
  return new FailedPrecondition(`registry ${registry} refused the request: ${detail}`);
}

function describeBody(text: string, status: number): string {
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const e = body.errors?.[0];
    if (e) return e.message ?? e.code?.toLowerCase().replace(/_/g, ' ') ?? `HTTP ${status}`;
  } catch {
    // not JSON: below
  }
  if (/^\s*<(!doctype|html)/i.test(text)) return `HTTP ${status} (an HTML page, not a registry answer)`;
  return `HTTP ${status}`;
}
