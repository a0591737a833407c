/**
 * Runs one measurement in a fresh process and reads its `SCALE_RESULT <json>` line: the library's child (Node)
 * or the plain-chromadb script (Python). Their diagnostics go to this process's stderr.
 */
import { execFileSync } from 'node:child_process';
import type { Task } from './tasks.js';

const childPath = new URL('./child.js', import.meta.url).pathname;
const plainScript = new URL('../../../bench/scale/plain_chroma.py', import.meta.url).pathname;

function lastResult<T>(output: string): T {
  const line = output.split('\n').find((l) => l.startsWith('SCALE_RESULT '));
  if (!line) throw new Error(`no SCALE_RESULT in the output:\n${output.slice(-2000)}`);
  return JSON.parse(line.slice('SCALE_RESULT '.length)) as T;
}

export function runChild<T = Record<string, any>>(task: Task): T {
  const output = execFileSync(process.execPath, [childPath, JSON.stringify(task)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return lastResult<T>(output);
}

export function runPlain(python: string, args: string[]): { ms: number; records: number } {
  const output = execFileSync(python, [plainScript, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return lastResult(output);
}

