#!/usr/bin/env node
/**
 * The command line: `session-executor [demo|status|log|setup-python] [options]`. See --help. Exit codes: 0 done,
 * 1 the command failed, 2 a usage mistake, 130 interrupted (Ctrl-C).
 */
import { readFileSync } from 'node:fs';
import { packageRoot } from '../paths.js';
import { HELP, UsageError, parseCli, type CliArgs } from './args.js';
import { connect, type Connected, type ConnectOptions } from './connect.js';
import { runDemo } from './demo.js';
import { installInterruptHandler } from './interrupt.js';
import { Output } from './output.js';
import { showLog, showStatus } from './read-commands.js';
import { setupPython } from './setup-python.js';
import { runVersioningCommand, VERSIONING_COMMANDS, VERSIONING_HELP } from './versioning-commands.js';

// Ctrl-C: close what the command opened (the Python child, the owner threads, the store and its locks) before
// leaving, so nothing is left running and no lock or temporary file stays behind.
let interrupted = false;
installInterruptHandler(() => {
  interrupted = true;
});

// The versioning commands have their own grammar (one repository operation each); dispatch them first.
if ((VERSIONING_COMMANDS as readonly string[]).includes(process.argv[2] ?? '')) {
  let code = 0;
  try {
    await runVersioningCommand(
      process.argv.slice(2),
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`),
    );
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (!interrupted) process.stderr.write(`session-executor: ${(error as Error).message}\n`);
    code = usage ? 2 : 1;
  }
  await untilInterruptHandled();
  process.exit(code);
}

/** After Ctrl-C the interrupt handler exits (130) once everything is closed: nothing else may exit first. */
async function untilInterruptHandled(): Promise<void> {
  if (interrupted) await new Promise(() => setInterval(() => {}, 60_000));
}

let args: CliArgs;
try {
  args = parseCli(process.argv.slice(2), VERSIONING_COMMANDS);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`session-executor: ${error.message}\nRun 'session-executor --help' for usage.\n`);
  process.exit(2);
}

if (args.help) {
  process.stdout.write(HELP + VERSIONING_HELP);
  process.exit(0);
}
if (args.version) {
  const { version } = JSON.parse(readFileSync(`${packageRoot}package.json`, 'utf8')) as { version: string };
  process.stdout.write(`${version}\n`);
  process.exit(0);
}

const out = new Output(args.json);
const options: ConnectOptions = { dataDir: args.data, chromaUrl: args.chromaUrl, doltUrl: args.doltUrl, python: args.python };
let connected: Connected | null = null;

try {
  if (args.command === 'demo') {
    out.line(`Data folder: ${args.data} (kept and reused by the next run)`);
    connected = await connect(options);
    const summary = await runDemo(connected, { collection: args.collection, documents: args.documents, print: (line) => out.line(line) });
    out.json(summary);
    await connected.close();
    connected = null;
  } else if (args.command === 'status') {
    await showStatus(options, args.collection, out);
  } else if (args.command === 'log') {
    await showLog(options, args.limit, out);
  } else {
    await setupPython({ dir: args.dir, python: args.python }, out);
  }
} catch (error) {
  if (!interrupted) {
    process.stderr.write(`session-executor: ${(error as Error).message}\n`);
    await connected?.close().catch(() => {});
    process.exitCode = 1;
  }
}
await untilInterruptHandled();
