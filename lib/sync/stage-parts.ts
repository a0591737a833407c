/**
 * The hand-off between a stage's reading of Chroma (the producer) and the store's streamed commit (the
 * consumer, which pulls parts as an async iterable). One part at a time: `push` settles when the store has
 * taken the part, that is when it asks for the next one after writing the previous, so the stage reads the next
 * page while the store writes the last and never more than a part or two are held. A failure on either side
 * reaches the other: `fail` makes the store's next pull throw (it rolls back), and a store that stops pulling
 * (it failed) makes every pending and later `push` reject with {@link ConsumerGoneError}.
 */

/** The consumer stopped taking parts (the store failed): the stage stops reading and reports the store's error. */
export class ConsumerGoneError extends Error {
  constructor() {
    super('the store stopped taking parts of the change set');
  }
}

interface Waiting<T> {
  resolve: (result: IteratorResult<T>) => void;
  reject: (error: unknown) => void;
}

export class PartChannel<T> implements AsyncIterable<T> {
  private offered: { value: T; taken: () => void; refused: (error: unknown) => void } | null = null;
  private waiting: Waiting<T> | null = null;
  private ended = false;
  private failure: { error: unknown } | null = null;
  private gone = false;

  /** Offers a part; settles once the consumer took it. */
  push(value: T): Promise<void> {
    if (this.gone) return Promise.reject(new ConsumerGoneError());
    if (this.ended || this.failure || this.offered) return Promise.reject(new Error('PartChannel: push after the end, or before the last part was taken'));
    return new Promise<void>((taken, refused) => {
      const waiting = this.waiting;
      if (waiting) {
        this.waiting = null;
        taken();
        waiting.resolve({ value, done: false });
      } else {
        this.offered = { value, taken, refused };
      }
    });
  }

  /** No more parts: the consumer's iteration ends (and the store commits). */
  end(): void {
    this.ended = true;
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = null;
  }

  /** The producer failed: the consumer's next pull throws `error` (and the store rolls back). */
  fail(error: unknown): void {
    if (this.ended || this.failure) return;
    this.failure = { error };
    this.waiting?.reject(error);
    this.waiting = null;
  }

  /**
   * The consumer will take no more parts (it settled, or stopped its iteration): pending and later pushes
   * reject with ConsumerGoneError. Call it when the consumer settles, so a consumer that fails without ever
   * pulling (or without ending its iteration) cannot leave the producer waiting.
   */
  stopped(): void {
    this.gone = true;
    this.offered?.refused(new ConsumerGoneError());
    this.offered = null;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const offered = this.offered;
        if (offered) {
          this.offered = null;
          offered.taken();
          return Promise.resolve({ value: offered.value, done: false });
        }
        if (this.failure) return Promise.reject(this.failure.error);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
      },
      // Called when the consumer stops early (its loop threw): the producer must stop too.
      return: () => {
        this.stopped();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
