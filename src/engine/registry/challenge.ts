/**
 * `WWW-Authenticate` challenges (RFC 7235) as registries send them:
 *   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"
 *   Basic realm="Registry Realm"
 */
export interface Challenge {
  /** Lower-case: `bearer` or `basic`. */
  scheme: string;
  params: Record<string, string>;
}

/** Parse one header value into its challenges; unknown or malformed parts are skipped, never thrown. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const re = /\s*([A-Za-z][\w-]*)(?:\s+|$)/y;
  const param = /\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;
  let i = 0;
  while (i < header.length) {
    re.lastIndex = i;
    const m = re.exec(header);
    if (!m?.[1]) break;
    const challenge: Challenge = { scheme: m[1].toLowerCase(), params: {} };
    i = re.lastIndex;
    for (;;) {
      param.lastIndex = i;
      const p = param.exec(header);
      // a bare word not followed by "=" is the next challenge's scheme
      if (!p?.[1]) break;
      challenge.params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
      i = param.lastIndex;
    }
    out.push(challenge);
    while (header[i] === ',' || header[i] === ' ') i++;
  }
  return out;
}
