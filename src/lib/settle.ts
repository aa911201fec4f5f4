/**
 * Run independent steps side by side and wait for every one to settle; then throw the first rejection, if
 * any. Cleanups use it: each step is attempted even when another fails, and no rejection is left unobserved.
 */
export async function allOrFirstError(steps: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const settled = await Promise.allSettled(steps.map((p) => p ?? Promise.resolve()));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
