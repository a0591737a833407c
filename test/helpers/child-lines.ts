import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A node child process running a compiled test fixture, read one JSON line at a time. */
export interface LineChild {
  child: ChildProcess;
  /** Resolves with the first JSON line that satisfies `match` (rejects if the child ends first, or after 60 s). */
  next<T = Record<string, unknown>>(match?: (line: T) => boolean): Promise<T>;
  /** Every line received so far. */
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

export function startFixture(name: string, args: string[]): LineChild {
  const script = fileURLToPath(new URL(`../fixtures/${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (line: any) => boolean; resolve: (line: any) => void; from: number }> = [];
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    lines.push(JSON.parse(text) as Record<string, unknown>);
    for (const waiter of [...waiters]) settle(waiter);
  });
  function settle(waiter: (typeof waiters)[number]): boolean {
    for (let i = waiter.from; i < lines.length; i++) {
      if (waiter.match(lines[i])) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(lines[i]);
        return true;
      }
    }
    waiter.from = lines.length;
    return false;
  }
  return {
    child,
    lines,
    exited,
    next<T>(match: (line: T) => boolean = () => true): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const waiter = { match, resolve, from: 0 };
        waiters.push(waiter);
        if (settle(waiter)) return;
        const timer = setTimeout(() => reject(new Error(`no matching line from ${name} within 60 s`)), 60_000);
        exited.then(() => {
          clearTimeout(timer);
          if (waiters.includes(waiter)) reject(new Error(`${name} exited before a matching line: ${JSON.stringify(lines)}`));
        });
        const done = waiter.resolve;
        waiter.resolve = (line: any) => {
          clearTimeout(timer);
          done(line);
        };
      });
    },
  };
}
