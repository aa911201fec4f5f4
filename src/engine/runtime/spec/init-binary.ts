/**
 * Finding a pid-1 init on the host for `--init`. It is bind-mounted into images that may have no libc at all
 * (busybox, scratch), so only statically linked builds qualify: Debian's catatonit is static, its `tini` is
 * not (tini-static is). Both accept `init -- cmd args…`.
 */
import { access, constants } from 'node:fs/promises';
import { FailedPrecondition } from '../../../errors/index.js';

export const INIT_CANDIDATES: readonly string[] = ['/usr/bin/catatonit', '/usr/libexec/podman/catatonit', '/usr/bin/tini-static', '/usr/bin/docker-init'];

/** The first executable candidate; FailedPrecondition naming what to install when none is present. */
export async function findInitBinary(candidates: readonly string[] = INIT_CANDIDATES): Promise<string> {
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // not here; try the next one
    }
  }
  throw new FailedPrecondition(`--init needs a static init binary: none of ${candidates.join(', ')} exists (install catatonit or tini)`);
}
