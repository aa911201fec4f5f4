/**
 * Bearer-token auth against the real docker-registry: its `auth: token:` config trusts a self-signed cert, and
 * a tiny token server here signs RS256 JWTs with that cert's key (x5c header), granting per-repository scopes
 * as the distribution token spec says. Push then pull with credentials; wrong passwords and scopes refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/state/index.js';
import { ImageService, pullImage, pushImage } from '../src/engine/image/index.js';
import { RegistryClient } from '../src/engine/registry/index.js';
import { makeBusyboxTar } from './fixtures/busybox.js';
import { freePort, startRegistry, type TestRegistry } from './fixtures/registry.js';

const USER = 'tok-user';
const PASSWORD = 'tok-pass';
const SERVICE = 'pure-test-registry';
const ISSUER = 'pure-test-issuer';

let work: string;
let registry: TestRegistry;
let tokenServer: Server;
/** Every token request: the account it authenticated as and the scopes it asked for. */
const requests: { account: string | undefined; scopes: string[] }[] = [];

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The distribution token spec's JWT: RS256, the signing cert in x5c (docker-registry checks it against rootcertbundle). */
function signToken(key: ReturnType<typeof createPrivateKey>, certDer: Buffer, sub: string, access: { type: string; name: string; actions: string[] }[]): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] }));
  const claims = b64url(JSON.stringify({ iss: ISSUER, sub, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
  return `${header}.${claims}.${b64url(sign('sha256', Buffer.from(`${header}.${claims}`), key))}`;
}

/** Basic credentials of the token request, or undefined (anonymous); throws for a wrong password. */
function accountOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const [user, pass] = Buffer.from(h.replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
  if (user !== USER || pass !== PASSWORD) throw new Error('bad credentials');
  return user;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'pure-regtoken-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem'), '-days', '1', '-subj', '/CN=pure-token-signer'], { stdio: 'ignore' });
  const key = createPrivateKey(await readFile(join(work, 'key.pem')));
  const certDer = new X509Certificate(await readFile(join(work, 'cert.pem'))).raw;
  const port = await freePort();
  tokenServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let account: string | undefined;
    try {
      account = accountOf(req);
    } catch {
      res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const scopes = url.searchParams.getAll('scope');
    requests.push({ account, scopes });
    // the logged-in user may pull and push under tok/; anonymous callers get a token with no access at all
    const access = account === undefined ? [] : scopes.map((s) => s.split(':')).filter(([type, name]) => type === 'repository' && name?.startsWith('tok/')).map(([type, name, actions]) => ({ type: type ?? '', name: name ?? '', actions: (actions ?? '').split(',') }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: signToken(key, certDer, account ?? '', access), expires_in: 300 }));
  });
  await new Promise<void>((resolve) => tokenServer.listen(port, '127.0.0.1', resolve));
  registry = await startRegistry({ token: { realm: `http://127.0.0.1:${port}/token`, service: SERVICE, issuer: ISSUER, certFile: join(work, 'cert.pem') } });
});

after(async () => {
  await registry?.stop();
  await new Promise((r) => tokenServer?.close(r));
  await rm(work, { recursive: true, force: true });
});

async function store(t: { after: (fn: () => Promise<void>) => void }): Promise<{ images: ImageService; client: RegistryClient }> {
  const root = await mkdtemp(join(tmpdir(), 'pure-regtoken-root-'));
  const db = openDatabase(join(root, 'state.db'));
  const client = new RegistryClient({ retry: { baseDelayMs: 10 } });
  t.after(async () => {
    await client.close();
    db.close();
    await rm(root, { recursive: true, force: true });
  });
  return { images: new ImageService({ root, db }), client };
}

void test('push and pull with bearer tokens scoped to the repository, fetched with the login credentials', async (t) => {
  const src = await store(t);
  await makeBusyboxTar(join(work, 'bb.tar'));
  const ref = `${registry.host}/tok/bb:1`;
  const imported = await src.images.importRootfs(createReadStream(join(work, 'bb.tar')), ref, { changes: { Cmd: ['sh'] } });
  requests.length = 0;
  const pushed = await pushImage(src.images, src.client, ref, { credentials: { username: USER, password: PASSWORD } });
  assert.match(pushed.digest, /^sha256:[a-f0-9]{64}$/);
  assert.ok(requests.length > 0, 'the registry sent the client to the token server');
  assert.ok(requests.every((r) => r.account === USER));
  assert.ok(requests.some((r) => r.scopes.some((s) => s === 'repository:tok/bb:push,pull' || s === 'repository:tok/bb:pull,push')), JSON.stringify(requests));

  const dst = await store(t);
  const pulled = await pullImage(dst.images, dst.client, ref, { credentials: { username: USER, password: PASSWORD } });
  assert.equal(pulled.image.id, imported.id, 'the same config, so the same image id');
  assert.deepEqual(dst.images.get(ref).config.Cmd, ['sh']);
});

void test('a wrong password or a token without the scope is refused, naming the registry, and nothing is stored', async (t) => {
  const dst = await store(t);
  const ref = `${registry.host}/tok/bb:1`;
  await assert.rejects(pullImage(dst.images, dst.client, ref, { credentials: { username: USER, password: 'wrong' } }), (e: Error) => {
    assert.match(e.message, /unauthorized/);
    assert.match(e.message, new RegExp(registry.host.replace(/\./g, '\\.')));
    return true;
  });
  // anonymous: the token server answers, but with no access; the registry then refuses the token
  await assert.rejects(pullImage(dst.images, dst.client, ref), /unauthorized|denied|authentication required/i);
  assert.deepEqual(dst.images.list(), []);
});
