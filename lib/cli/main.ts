#!/usr/bin/env node
/**
 * The command line: `session-executor [demo|status|log] [options]`. See --help.
 */
import { parseArgs } from 'node:util';
import { ChromaDoltSync } from '../sync/chroma-dolt-sync.js';
import { connect, type Connected } from './connect.js';
import { runDemo } from './demo.js';
import { runVersioningCommand, VERSIONING_COMMANDS, VERSIONING_HELP } from './versioning-commands.js';

if ((VERSIONING_COMMANDS as readonly string[]).includes(process.argv[2] ?? '')) {
  await runVersioningCommand(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).catch((error: Error) => {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 1;
  });
  process.exit();
}

const HELP = `Usage: session-executor [command] [options]

Commands:
  demo      (default) import the bundled documents into Chroma, detect and commit the changes to the
            version store, edit and delete some, detect and commit again, show the log and the last diff
  status    show pending local changes (what the next commit would contain)
  log       show the version store's commits

Options:
  --data DIR          data folder for the embedded Chroma database and DoltLite snapshot (default: .data/demo)
  --collection NAME   Chroma collection (default: demo-docs)
  --documents N       documents in the bundled set (demo only; default: 120)
  --chroma-url URL    use a Chroma server (http://host:port) instead of the embedded Python session
  --dolt-url URL      use a Dolt sql-server or MySQL/MariaDB (mysql://user:pass@host:port/db) instead of DoltLite
  --json              print a JSON summary as the last line (demo)
  -h, --help          show this help
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string', default: '.data/demo' },
    collection: { type: 'string', default: 'demo-docs' },
    documents: { type: 'string', default: '120' },
    'chroma-url': { type: 'string' },
    'dolt-url': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const command = positionals[0] ?? 'demo';
if (values.help || !['demo', 'status', 'log'].includes(command)) {
  process.stdout.write(HELP + VERSIONING_HELP);
  process.exit(values.help ? 0 : 2);
}

const print = (line: string) => process.stdout.write(`${line}\n`);
let connected: Connected | null = null;
let interrupted = false;

// Ctrl-C: close both sessions (the Python child, the owner threads, the snapshot) before leaving, so nothing
// is left running and no temporary file stays behind.
process.once('SIGINT', () => {
  interrupted = true;
  process.stderr.write('\ninterrupted: shutting down...\n');
  const closing = connected?.close() ?? Promise.resolve();
  void closing.finally(() => process.exit(130));
});

try {
  print(`Data folder: ${values.data} (kept and reused by the next run)`);
  connected = await connect({ dataDir: values.data, chromaUrl: values['chroma-url'], doltUrl: values['dolt-url'] });
  if (command === 'demo') {
    const summary = await runDemo(connected, { collection: values.collection, documents: Number(values.documents), print });
    if (values.json) print(JSON.stringify(summary));
  } else if (command === 'status') {
    await connected.chroma.getOrCreateCollection({ name: values.collection });
    const result = await new ChromaDoltSync(connected.chroma, connected.store).detectLocalChanges(values.collection);
    print(`Pending in "${values.collection}": ${result.added.length} added, ${result.modified.length} modified, ${result.deleted.length} deleted`);
    for (const [label, ids] of [['added', result.added], ['modified', result.modified], ['deleted', result.deleted]] as const) {
      for (const id of ids.slice(0, 50)) print(`  ${label.padEnd(8)} ${id}`);
    }
  } else {
    for (const commit of await connected.store.log(50)) print(`${commit.hash.slice(0, 12)}  ${commit.date}  ${commit.message}`);
  }
  await connected.close();
  connected = null;
} catch (error) {
  if (!interrupted) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    await connected?.close().catch(() => {});
    process.exitCode = 1;
  }
}
