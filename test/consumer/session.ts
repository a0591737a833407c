// A session as a package user writes it, importing only the public entry point.
import { defineSession } from 'session-executor';

export default defineSession({
  open: (options: { greeting: string }) => ({ greeting: options.greeting, calls: 0 }),
  ops: {
    greet: (state: { greeting: string; calls: number }, name: string) => `${state.greeting}, ${name} #${++state.calls}`,
  },
});
