/**
 * One abort listener per signal per executor, however many calls share the signal.
 *
 * A listener per call made a signal shared by more than ten calls trigger Node's MaxListenersExceededWarning,
 * and kept every call's closure alive until the signal was collected. Here a signal maps to the set of its
 * pending calls; the listener is removed when the last of them settles.
 */
import type { Entry } from './entry.js';

export class SignalListeners {
  private readonly bySignal = new Map<AbortSignal, { entries: Set<Entry>; listener: () => void }>();

  constructor(private readonly onAbort: (entry: Entry, reason: unknown) => void) {}

  add(signal: AbortSignal, entry: Entry): void {
    let watched = this.bySignal.get(signal);
    if (!watched) {
      const entries = new Set<Entry>();
      const listener = () => {
        this.bySignal.delete(signal);
        for (const waiting of [...entries]) this.onAbort(waiting, signal.reason);
      };
      watched = { entries, listener };
      this.bySignal.set(signal, watched);
      signal.addEventListener('abort', listener, { once: true });
    }
    watched.entries.add(entry);
  }

  remove(signal: AbortSignal, entry: Entry): void {
    const watched = this.bySignal.get(signal);
    if (!watched) return;
    watched.entries.delete(entry);
    if (watched.entries.size === 0) {
      this.bySignal.delete(signal);
      signal.removeEventListener('abort', watched.listener);
    }
  }
}
