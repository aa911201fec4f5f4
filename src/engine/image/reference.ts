/**
 * Image references, parsed with the grammar of distribution/reference (what Docker accepts):
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] path-component ( "/" path-component )*
 *
 * Names are kept in Docker's familiar form: `docker.io/library/busybox` and `library/busybox` are stored and
 * shown as `busybox`, `docker.io/foo/bar` as `foo/bar`; other registries keep their domain
 * (`localhost:5000/x/y`). A bare name gets the tag `latest` unless it carries a digest.
 */
import { InvalidArgument } from '../../errors/index.js';

export interface Reference {
  /** Familiar repository name: `busybox`, `foo/bar`, `localhost:5000/x/y`. */
  name: string;
  tag?: string;
  /** `sha256:<hex>` when the reference pins a manifest digest. */
  digest?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const MAX_NAME = 255;
const DEFAULT_DOMAINS = new Set(['docker.io', 'index.docker.io']);

function invalid(text: string, why: string): InvalidArgument {
  return new InvalidArgument(`invalid reference "${text}": ${why}`);
}

export function parseReference(text: string): Reference {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(text, `bad digest "${digest}" (expected sha256:<64 hex>)`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `bad tag "${tag}"`);
  }
  if (rest === '') throw invalid(text, 'empty name');
  const parts = rest.split('/');
  let domain: string | undefined;
  const first = parts[0] ?? '';
  // distribution/reference: the first component is a registry when it looks like a host name.
  if (parts.length > 1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    parts.shift();
    if (!DOMAIN.test(domain)) throw invalid(text, `bad registry host "${domain}"`);
  }
  for (const p of parts) {
    if (PATH_COMPONENT.test(p)) continue;
    if (PATH_COMPONENT.test(p.toLowerCase())) throw invalid(text, 'repository name must be lowercase');
    throw invalid(text, `bad name component "${p}"`);
  }
  if (domain !== undefined && DEFAULT_DOMAINS.has(domain)) domain = undefined;
  if (domain === undefined && parts.length === 2 && parts[0] === 'library') parts.shift();
  const name = [...(domain === undefined ? [] : [domain]), ...parts].join('/');
  if (name.length > MAX_NAME) throw invalid(text, `name longer than ${MAX_NAME} characters`);
  const ref: Reference = { name };
  if (tag !== undefined) ref.tag = tag;
  else if (digest === undefined) ref.tag = 'latest';
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** `busybox:latest`, `x@sha256:…`, `x:1@sha256:…`: the familiar string Docker shows. */
export function formatReference(ref: Reference): string {
  return `${ref.name}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** Parse a reference that must name a tag (what `tag`, `import` and RepoTags take): `name[:tag]`. */
export function parseTaggedReference(text: string): string {
  const ref = parseReference(text);
  if (ref.digest !== undefined) throw invalid(text, 'a digest cannot be used as a tag');
  return formatReference(ref);
}
