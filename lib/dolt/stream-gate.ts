/**
 * Keeps a store's other calls away from an open streamed commit. A streamed commit's transaction stays open
 * across many requests while its caller produces the next part; on the embedded store that transaction is the
 * engine's one connection, so any statement sent meanwhile would run inside it (seeing, or committing, rows
 * that are not committed yet). Calls therefore wait for the stream to end, in the order they were made.
 */
export class StreamGate {
  /** Settles when the open stream ends; null when none is open. */
  private open: Promise<void> | null = null;

  /** Runs `work` once no stream is open (at once when none is: no extra tick on the common path). */
  after<T>(work: () => Promise<T>): Promise<T> {
    const open = this.open;
    return open === null ? work() : open.then(() => this.after(work));
  }

  /** Runs `work` as the stream: other calls (and other streams) wait until it settles, however it settles. */
  async exclusively<T>(work: () => Promise<T>): Promise<T> {
    while (this.open !== null) await this.open;
    let release!: () => void;
    this.open = new Promise((resolve) => (release = resolve));
    try {
      return await work();
    } finally {
      this.open = null;
      release();
    }
  }
}
