/**
 * Keeps a Chroma client's operations in call order while the caller-side work some of them need (computing
 * embeddings with a user's embedding function) runs concurrently with the owner's previous operation.
 *
 * Without this, an `add` that first awaits its embeddings would reach the executor's FIFO queue after a
 * `count()` called right after it. With it, each operation's preparation starts at once, but it enters the queue
 * only after every operation called before it has entered, so the owner still runs them in call order. When
 * nothing is being prepared, an operation goes straight to the queue with no extra promise: the common path
 * costs nothing.
 */
export class InOrder {
  /** Settles once the most recently called preparing operation has entered the queue (or failed to prepare). */
  private tail: Promise<void> | null = null;

  /**
   * Runs `prepare` now (if any), then `submit` with its result once everything called earlier was submitted.
   * `submit` must enqueue synchronously (as `SessionExecutor.call` does).
   */
  run<T>(prepare: null, submit: () => Promise<T>): Promise<T>;
  run<P, T>(prepare: () => Promise<P>, submit: (prepared: P) => Promise<T>): Promise<T>;
  run<P, T>(prepare: (() => Promise<P>) | null, submit: (prepared: P) => Promise<T>): Promise<T> {
    if (!prepare && !this.tail) return submit(undefined as P);
    const before = this.tail;
    const preparing = prepare?.();
    let entered!: () => void;
    const mine = new Promise<void>((resolve) => (entered = resolve));
    this.tail = mine;
    const release = () => {
      entered();
      if (this.tail === mine) this.tail = null;
    };
    return (async () => {
      let prepared: P;
      try {
        prepared = (await preparing) as P; // undefined only when there was nothing to prepare
        if (before) await before;
      } catch (error) {
        // A failed preparation submits nothing, but must wait its turn before releasing later operations.
        if (before) await before;
        release();
        throw error;
      }
      try {
        return submit(prepared);
      } finally {
        release();
      }
    })();
  }
}
