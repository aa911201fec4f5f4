/**
 * One operation at a time per key inside this process, in the order they were asked for; a failed operation
 * does not stop the next. Snapshots (two prepares of one key would stack two overlay mounts), containers (one
 * lifecycle action at a time) and stacks (one up/down per project) each keep one.
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
