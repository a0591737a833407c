/**
 * The versioning commands of the CLI: status-all, commit, checkout, branch, merge, resolve, reset, revert, tag,
 * show, remote, push, pull. Each opens the data folder's Chroma and store, runs one repository operation and
 * prints the outcome (ids and hashes, never document content except for `show --content`).
 */
import { join, resolve } from 'node:path';
import { Repository, type IfUncommitted } from '../repository/repository.js';
import type { RepositoryProgress, VersioningCallOptions } from '../repository/cancellation.js';
import { checkServerUrls, parseOptions, UsageError } from './args.js';
import { connect } from './connect.js';
import { letFinish, stopSignal } from './interrupt.js';
import { Progress } from './progress.js';

export const VERSIONING_COMMANDS = [
  'changes', 'commit', 'checkout', 'branch', 'merge', 'resolve', 'abort-merge', 'reset', 'revert', 'tag', 'show', 'remote', 'push', 'pull',
] as const;

export const VERSIONING_HELP = `
Versioning commands (every collection in Chroma is the working copy):
  changes                          uncommitted changes in every collection
  commit -m MSG                    commit every change (collections and documents) in one commit
  checkout TARGET [--create] [--from REF] [--if-uncommitted abort|commit|discard|carry]
                                   switch Chroma to a branch or commit, writing only what differs
  branch [NAME] [--delete] [--force] [--rename NEW]
                                   list, create, delete or rename branches
  merge BRANCH [-m MSG] [--preview]
  resolve DOC_ID ours|theirs [--collection NAME]
  abort-merge
  reset [--hard REF]               discard local changes; with --hard move the branch to REF
  revert COMMIT
  tag [NAME] [--ref REF] [-m MSG] [--delete]
  show REF                         a commit and the documents it changed
  remote [add NAME URL | remove NAME]
  push [REMOTE] / pull [REMOTE]    (default remote: origin)
  Every versioning command takes --data, --chroma-url, --dolt-url, --python and --json (one JSON result on stdout).
`;

const OPTIONS = {
  data: { type: 'string' },
  'chroma-url': { type: 'string' },
  'dolt-url': { type: 'string' },
  python: { type: 'string' },
  message: { type: 'string', short: 'm' },
  create: { type: 'boolean' },
  from: { type: 'string' },
  'if-uncommitted': { type: 'string' },
  delete: { type: 'boolean' },
  force: { type: 'boolean' },
  rename: { type: 'string' },
  preview: { type: 'boolean' },
  collection: { type: 'string' },
  hard: { type: 'string' },
  ref: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type VersioningCommand = (typeof VERSIONING_COMMANDS)[number];

/** Options every versioning command takes. */
const COMMON_OPTIONS = ['data', 'chroma-url', 'dolt-url', 'python', 'json', 'help'];

/**
 * Each command's own options and how many arguments it takes: anything else is a usage error naming it,
 * rather than an option silently ignored (`push --hard x` must not look like it did something).
 */
const GRAMMAR: Record<VersioningCommand, { options: string[]; maxArguments: number }> = {
  changes: { options: [], maxArguments: 0 },
  commit: { options: ['message'], maxArguments: 0 },
  checkout: { options: ['create', 'from', 'if-uncommitted'], maxArguments: 1 },
  branch: { options: ['delete', 'force', 'rename', 'from'], maxArguments: 1 },
  merge: { options: ['message', 'preview'], maxArguments: 1 },
  resolve: { options: ['collection'], maxArguments: 2 },
  'abort-merge': { options: [], maxArguments: 0 },
  reset: { options: ['hard'], maxArguments: 0 },
  revert: { options: [], maxArguments: 1 },
  tag: { options: ['ref', 'message', 'delete'], maxArguments: 1 },
  show: { options: [], maxArguments: 1 },
  remote: { options: [], maxArguments: 3 },
  push: { options: [], maxArguments: 1 },
  pull: { options: [], maxArguments: 1 },
};

/**
 * Commands (or forms of them) that only read: like `status` and `log`, they open the data folder only if it
 * exists, so a mistyped `--data` is an error naming it instead of a new, empty repository.
 */
function readsOnly(command: VersioningCommand, args: string[], values: { preview?: boolean | undefined }): boolean {
  switch (command) {
    case 'changes':
    case 'show':
      return true;
    case 'branch':
    case 'tag':
    case 'remote':
      return args.length === 0;
    case 'merge':
      return values.preview === true;
    default:
      return false;
  }
}

/** What each command cannot run without: [what is missing, whether it is there]. */
function requiredArguments(
  command: string | undefined,
  args: string[],
  values: { message?: string | undefined; delete?: boolean | undefined; rename?: string | undefined },
): Array<[string, boolean]> {
  switch (command) {
    case 'branch':
      // Without a name, `branch` lists branches: a flag that acts on one branch must not fall back to that.
      return values.delete || values.rename !== undefined ? [['a branch name', Boolean(args[0])], ['a new name', values.rename !== '']] : [];
    case 'tag':
      return values.delete ? [['a tag name', Boolean(args[0])]] : [];
    case 'commit':
      return [['-m MESSAGE', Boolean(values.message)]];
    case 'checkout':
      return [['a target', Boolean(args[0])]];
    case 'merge':
      return [['a branch', Boolean(args[0])]];
    case 'resolve':
      return [['a document id', Boolean(args[0])], ['ours or theirs', args[1] === 'ours' || args[1] === 'theirs']];
    case 'revert':
      return [['a commit', Boolean(args[0])]];
    case 'show':
      return [['a ref', Boolean(args[0])]];
    case 'remote':
      if (args[0] === 'add') return [['a name', Boolean(args[1])], ['a url', Boolean(args[2])]];
      if (args[0] === 'remove') return [['a name', Boolean(args[1])]];
      return [];
    default:
      return [];
  }
}

function checkArguments(command: string | undefined, args: string[], values: Record<string, unknown>): asserts command is VersioningCommand {
  if (command === undefined || !(VERSIONING_COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown command ${command}`);
  }
  const grammar = GRAMMAR[command as VersioningCommand];
  for (const option of Object.keys(values)) {
    if (!COMMON_OPTIONS.includes(option) && !grammar.options.includes(option)) {
      throw new UsageError(`option '--${option}' does not apply to '${command}'`);
    }
  }
  const maxArguments = command === 'remote' ? ({ add: 3, remove: 2 } as Record<string, number>)[args[0] ?? ''] ?? 0 : grammar.maxArguments;
  if (command === 'remote' && args[0] !== undefined && maxArguments === 0) throw new UsageError(`remote takes add or remove, got '${args[0]}'`);
  if (args.length > maxArguments) throw new UsageError(`unexpected argument '${args[maxArguments]}'`);
  const missing = requiredArguments(command, args, values).find(([, present]) => !present);
  if (missing) throw new UsageError(`${command} needs ${missing[0]}`);
}

/**
 * Runs one versioning command. Human-readable lines go to `print`; with `--json` they go to `printAside`
 * instead and `print` gets exactly one JSON document: the command's result.
 */
export async function runVersioningCommand(
  argv: string[],
  print: (line: string) => void,
  printAside: (line: string) => void = print,
): Promise<void> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  const [command, ...args] = positionals;
  if (values.help) {
    print(VERSIONING_HELP.trim());
    return;
  }
  // Usage mistakes are reported before anything is opened: opening starts Python and takes the store's lock.
  checkServerUrls(values);
  checkArguments(command, args, values);
  const json = values.json === true;
  const say = json ? printAside : print;
  /** The command's result for `--json`: what the lines say, as data. */
  let outcome: unknown = null;
  const mode = (values['if-uncommitted'] ?? 'abort') as IfUncommitted;
  if (!['abort', 'commit', 'discard', 'carry'].includes(mode)) throw new UsageError(`--if-uncommitted must be abort, commit, discard or carry`);
  const data = values.data ?? '.data/demo';
  if (data.trim() === '') throw new UsageError(`option '--data' needs a value`);
  const connected = await connect({
    dataDir: data,
    chromaUrl: values['chroma-url'],
    doltUrl: values['dolt-url'],
    python: values.python,
    mustExist: readsOnly(command, args, values),
  });
  try {
    const repo = await Repository.open({ chroma: connected.chroma, store: connected.store, statePath: join(resolve(data), 'repository.json') });
    const need = (value: string | undefined, what: string): string => {
      if (!value) throw new UsageError(`${command} needs ${what}`);
      return value;
    };
    // Collections a refresh created or deleted are named too: deleting one removes its documents without counting them.
    const refreshLine = (r: { written: number; removed: number; collectionsCreated?: string[]; collectionsDeleted?: string[] }) =>
      `Chroma: ${r.written} document(s) written, ${r.removed} removed` +
      (r.collectionsCreated?.length ? `; collection(s) created: ${r.collectionsCreated.join(', ')}` : '') +
      (r.collectionsDeleted?.length ? `; collection(s) deleted: ${r.collectionsDeleted.join(', ')}` : '');
    // The operations that move the working copy: Ctrl-C cancels them cleanly or lets them finish (stopSignal), and
    // stderr tells how far a long one got.
    const moving = (): VersioningCallOptions => ({ signal: stopSignal, onProgress: progressLines(printAside) });
    switch (command) {
      case 'changes': {
        const status = await repo.status({ signal: stopSignal });
        outcome = status;
        if (status.clean) say('Nothing to commit.');
        for (const c of status.collections) {
          if (c.state !== 'unchanged') say(`${c.name}: collection ${c.state}`);
          for (const [label, ids] of [['added', c.added], ['modified', c.modified], ['deleted', c.deleted]] as const) {
            for (const id of ids) say(`  ${label.padEnd(8)} ${c.name}/${id}`);
          }
        }
        break;
      }
      case 'commit':
        outcome = { commit: await letFinish(repo.commit(need(values.message, '-m MESSAGE'), { signal: stopSignal })) };
        say((outcome as { commit: string | null }).commit ?? 'Nothing to commit.');
        break;
      case 'checkout': {
        const result = await letFinish(repo.checkout(need(args[0], 'a target'), { create: values.create === true, from: values.from, ifUncommitted: mode, ...moving() }));
        outcome = result;
        say(`On ${result.head.branch ?? `detached commit ${result.head.commit.slice(0, 12)}`}. ${refreshLine(result)}`);
        break;
      }
      case 'branch':
        if (!args[0]) {
          const branches = await repo.branches();
          outcome = branches;
          for (const b of branches) say(`${b.current ? '*' : ' '} ${b.name.padEnd(24)} ${b.head.slice(0, 12)} ${b.message}`);
        } else if (values.delete) await repo.deleteBranch(args[0], { force: values.force === true });
        else if (values.rename) await repo.renameBranch(args[0], values.rename, { force: values.force === true });
        else await repo.createBranch(args[0], values.from);
        break;
      case 'merge': {
        const branch = need(args[0], 'a branch');
        if (values.preview) {
          const preview = await repo.previewMerge(branch);
          outcome = preview;
          say(`Would ${preview.status}: ${preview.changes.length} change(s), ${preview.conflicts.length} conflict(s)`);
          for (const c of preview.conflicts) say(`  conflict ${c.collection}/${c.docId}`);
          break;
        }
        const result = await letFinish(repo.merge(branch, { message: values.message, ...moving() }));
        outcome = result;
        say(`${result.status}${result.commit ? ` ${result.commit}` : ''}`);
        for (const c of result.conflicts) say(`  conflict ${c.collection}/${c.docId} (base ${c.baseHash?.slice(0, 8)}, ours ${c.oursHash?.slice(0, 8)}, theirs ${c.theirsHash?.slice(0, 8)})`);
        break;
      }
      case 'resolve': {
        const choice = need(args[1], 'ours or theirs');
        if (choice !== 'ours' && choice !== 'theirs') throw new UsageError('resolve takes ours or theirs');
        const result = await letFinish(repo.resolve(need(args[0], 'a document id'), choice, { collection: values.collection, ...moving() }));
        outcome = result;
        say(result.commit ? `Merged: ${result.commit}` : `${result.remaining.length} conflict(s) left`);
        break;
      }
      case 'abort-merge':
        await letFinish(repo.abortMerge({ signal: stopSignal }));
        break;
      case 'reset':
        outcome = await letFinish(repo.reset({ hard: values.hard, ...moving() }));
        say(refreshLine(outcome as { written: number; removed: number }));
        break;
      case 'revert':
        outcome = await letFinish(repo.revert(need(args[0], 'a commit'), moving()));
        say((outcome as { commit: string | null }).commit ?? 'Nothing to revert.');
        break;
      case 'tag':
        if (!args[0]) for (const tag of (outcome = await repo.tags()) as Awaited<ReturnType<Repository['tags']>>) say(`${tag.name.padEnd(20)} ${tag.commit.slice(0, 12)} ${tag.message}`);
        else if (values.delete) await repo.deleteTag(args[0]);
        else await repo.createTag(args[0], { ref: values.ref, message: values.message });
        break;
      case 'show': {
        const shown = await repo.show(need(args[0], 'a ref'));
        outcome = shown;
        say(`commit ${shown.commit}${shown.parents.length > 1 ? ` (merge of ${shown.parents.map((p) => p.slice(0, 12)).join(', ')})` : ''}`);
        if (shown.info) say(`${shown.info.date}  ${shown.info.message}`);
        for (const c of shown.changes) say(`  ${c.fromHash === null ? 'added   ' : c.to ? 'modified' : 'removed '} ${c.collection}/${c.docId}`);
        break;
      }
      case 'remote':
        if (args[0] === 'add') await repo.addRemote(need(args[1], 'a name'), need(args[2], 'a url'));
        else if (args[0] === 'remove') await repo.removeRemote(need(args[1], 'a name'));
        else for (const r of (outcome = await repo.remotes()) as Awaited<ReturnType<Repository['remotes']>>) say(`${r.name}\t${r.url}`);
        break;
      case 'push':
        await letFinish(repo.push(args[0] ?? 'origin', undefined, { signal: stopSignal }));
        break;
      case 'pull': {
        const result = await letFinish(repo.pull(args[0] ?? 'origin', undefined, moving()));
        outcome = result;
        say(`${result.status}${result.commit ? ` ${result.commit}` : ''}`);
        break;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
    if (json) print(JSON.stringify(outcome ?? { ok: true }));
  } finally {
    await connected.close();
  }
}

/**
 * Progress of an operation that moves the working copy, as lines for stderr: what the refresh of Chroma will
 * write and remove, then a bar over the collections refreshed.
 */
function progressLines(write: (line: string) => void): (progress: RepositoryProgress) => void {
  let bar: Progress | null = null;
  return (progress) => {
    if (progress.phase === 'planned') write(`Refreshing Chroma: ${progress.writes} document(s) to write, ${progress.removes} to remove`);
    if (progress.phase === 'refreshing') (bar ??= new Progress('collections refreshed', progress.collectionsTotal)).update(progress.collectionsDone);
  };
}
