/**
 * One operation at a time per snapshot key inside this process: two concurrent prepares of one key would
 * otherwise stack two overlay mounts on one rootfs, or copy the layers twice into one directory.
 */
export class KeyLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  async with<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const result = before.then(fn, fn);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await result;
    } finally {
      // Forget the key once nobody queued behind us, so the map does not grow with every container ever run.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
