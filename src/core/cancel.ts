/**
 * Cancellation on the request path. Node 20's AbortSignal is costly per request: creating one makes the
 * young-generation collector keep it (and what it references) alive, so every request's signal was
 * promoted to the old generation, turning into frequent full collections and latency spikes. Requests
 * use `Cancellation` instead, a plain object with the same shape; an AbortSignal still satisfies
 * `CancelSignal` wherever one is passed in.
 */

/** What the request path needs of an abort signal. undici accepts any object of this shape. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A cancellation source and its signal in one object: `abort()` runs each listener once. */
export class Cancellation implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | undefined;

  /** Cancels when `parent` does (immediately if it already has); `unlink` stops following it. */
  static linkedTo(parent: CancelSignal): { cancellation: Cancellation; unlink: () => void } {
    const cancellation = new Cancellation();
    if (parent.aborted) {
      cancellation.abort(parent.reason);
      return { cancellation, unlink: () => {} };
    }
    const follow = () => cancellation.abort(parent.reason);
    parent.addEventListener('abort', follow, { once: true });
    return { cancellation, unlink: () => parent.removeEventListener('abort', follow) };
  }

  get signal(): CancelSignal {
    return this;
  }

  // Every listener runs at most once, since abort() happens at most once: `once` needs no bookkeeping.
  addEventListener(_type: 'abort', listener: () => void): void {
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.listeners?.indexOf(listener) ?? -1;
    if (index >= 0) this.listeners?.splice(index, 1);
  }

  abort(reason: unknown = new Error('This operation was aborted')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) listener();
  }
}

/** Waits `ms`, or rejects with `toError(signal.reason)` as soon as the signal aborts. */
export function cancellableSleep(
  ms: number,
  signal: CancelSignal,
  toError: (reason: unknown) => unknown = (reason) => reason,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(toError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(toError(signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
