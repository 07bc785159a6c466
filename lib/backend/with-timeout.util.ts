/**
 * Settles with `promise`, or rejects with `onTimeout()` after `ms`, whichever comes
 * first. The promise itself cannot be cancelled: this only stops waiting for it
 * (its later rejection is swallowed). The timer does not keep the process alive.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
