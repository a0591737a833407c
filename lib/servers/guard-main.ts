/**
 * A guardian process for a throwaway server: it starts the server, reports its pid on stdout, and kills it
 * when its own stdin closes, which happens when the process that started the guardian exits for any reason
 * (even SIGKILL). So no server outlives the test or app that started it.
 *
 * argv: <stop-signal> <grace-ms> <cleanup-dir or -> <command> [args...]
 * The cleanup directory (a throwaway server's private folder) is removed after a stop we were asked for or
 * our starter's death; not when the server died on its own (its starter may restart it on the same data).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const [stopSignal, graceArg, cleanupDir, command, ...args] = process.argv.slice(2);
const graceMs = Number(graceArg);
// RUST_LOG=error: Chroma's Rust server logs every request otherwise.
const env = { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'error' };
const child = spawn(command!, args, { stdio: ['ignore', 'ignore', 'pipe'], shell: false, env });
let stopping = false;

// If anything goes wrong in here, the server must not outlive us: kill it first, then fail.
process.on('uncaughtException', () => {
  child.kill('SIGKILL');
  process.exit(1);
});
// Our stdout and stderr are pipes to the starter; once it is gone, writes fail with EPIPE. That must not
// crash us before we have stopped the server.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

process.stdout.write(`${JSON.stringify({ pid: child.pid })}\n`);
// The server's log goes to the starter (which watches it for readiness), never to a file.
child.stderr!.on('data', (chunk: Buffer) => {
  if (!stopping) process.stderr.write(chunk);
});

function stop(): void {
  if (stopping) return;
  stopping = true;
  child.kill(stopSignal as NodeJS.Signals);
  // Some servers ignore SIGTERM (Chroma's Rust server spins on it); SIGKILL after the grace period.
  setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
}

process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('exit', (code, signal) => {
  process.exitCode = stopping ? 0 : (code ?? (signal ? 1 : 0));
  if (stopping && cleanupDir && cleanupDir !== '-') rmSync(cleanupDir, { recursive: true, force: true });
  process.stdin.destroy();
});
