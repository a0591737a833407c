/**
 * The command line's grammar: commands, options, and their validation. Every mistake is a UsageError naming
 * the bad command, flag or value (printed on stderr with exit code 2, as command-line tools conventionally do).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const COMMANDS = ['demo', 'status', 'log', 'setup-python'] as const;
export type Command = (typeof COMMANDS)[number];

export const HELP = `Usage: session-executor [command] [options]

Commands:
  demo          (default) import the bundled documents into Chroma, detect and commit the changes to the
                version store, edit and delete some, detect and commit again, show the log and the last diff
  status        show pending local changes of a collection (reads only; the store and collection must exist)
  log           show the version store's commits (reads only; starts no Chroma session)
  setup-python  create the Python environment with chromadb for the embedded Chroma session (once per user;
                in the user cache folder, or --dir), then print its interpreter

Options:
  --data DIR          data folder for the embedded Chroma database and DoltLite store (default: .data/demo)
  --collection NAME   Chroma collection (default: demo-docs)
  --documents N       documents in the bundled set, 1-100000 (demo only; default: 120)
  --limit N           commits to show, 1-10000 (log only; default: 50)
  --chroma-url URL    use a Chroma server (http://host:port) instead of the embedded Python session
  --dolt-url URL      use a Dolt sql-server or MySQL/MariaDB (mysql://user:pass@host:port/db) instead of DoltLite
  --python PATH       Python interpreter with chromadb (embedded Chroma), or the one setup-python builds from
  --dir DIR           where setup-python creates the environment (default: the user cache folder)
  --json              print only JSON on stdout (human-readable lines go to stderr)
  -V, --version       print the version
  -h, --help          show this help
`;

/** A mistake on the command line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliArgs {
  command: Command;
  data: string;
  collection: string;
  documents: number;
  limit: number;
  chromaUrl?: string;
  doltUrl?: string;
  python?: string;
  dir?: string;
  json: boolean;
  help: boolean;
  version: boolean;
}

/** Which options each command takes; any other is a usage error naming it. */
const ALLOWED: Record<Command, string[]> = {
  demo: ['data', 'collection', 'documents', 'chroma-url', 'dolt-url', 'python', 'json'],
  status: ['data', 'collection', 'chroma-url', 'dolt-url', 'python', 'json'],
  log: ['data', 'limit', 'dolt-url', 'json'],
  'setup-python': ['dir', 'python', 'json'],
};

type OptionSpecs = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/**
 * Joins each value option with its value (`--limit -1` becomes `--limit=-1`), so that a value starting with a
 * dash reaches the option's own validation instead of node:util's "argument is ambiguous".
 */
export function attachOptionValues(argv: string[], options: OptionSpecs): string[] {
  const valueOptions = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== 'string') continue;
    valueOptions.set(`--${name}`, name);
    if (spec.short) valueOptions.set(`-${spec.short}`, name);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = valueOptions.get(arg);
    if (name !== undefined && i + 1 < argv.length) out.push(`--${name}=${argv[++i]}`);
    else out.push(arg);
  }
  return out;
}

/**
 * node:util's parser, strict, with option values attached first; a parse failure is a UsageError whose message
 * names the option ("Unknown option '--x'").
 */
export function parseOptions<T extends OptionSpecs & NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: T }>> {
  try {
    return parseArgs({ args: attachOptionValues(argv, options), allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''));
  }
}

/** The schemes each server option takes: checked before anything is opened or created. */
const URL_SCHEMES = { 'chroma-url': ['http:', 'https:'], 'dolt-url': ['mysql:'] } as const;

export function checkServerUrls(values: { 'chroma-url'?: string; 'dolt-url'?: string }): void {
  for (const option of ['chroma-url', 'dolt-url'] as const) {
    const value = values[option];
    if (value === undefined) continue;
    const schemes: readonly string[] = URL_SCHEMES[option];
    const expected = schemes.map((s) => `${s}//`).join(' or ');
    if (!URL.canParse(value)) throw new UsageError(`option '--${option}' needs a ${expected} URL`);
    // The value is not echoed: a mysql:// URL carries a password.
    if (!schemes.includes(new URL(value).protocol)) throw new UsageError(`option '--${option}' needs a ${expected} URL, got '${new URL(value).protocol}//'`);
  }
}

const OPTIONS = {
  data: { type: 'string' },
  collection: { type: 'string' },
  documents: { type: 'string' },
  limit: { type: 'string' },
  'chroma-url': { type: 'string' },
  'dolt-url': { type: 'string' },
  python: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies OptionSpecs;

/** Every command, for the unknown-command message; the versioning commands are dispatched before this parser. */
export function parseCli(argv: string[], otherCommands: readonly string[] = []): CliArgs {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  const help = values.help === true;
  const version = values.version === true;
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const name = positionals[0] ?? 'demo';
  if (!(COMMANDS as readonly string[]).includes(name)) {
    throw new UsageError(`unknown command '${name}' (commands: ${[...COMMANDS, ...otherCommands].join(', ')})`);
  }
  const command = name as Command;
  if (!help && !version) {
    for (const option of Object.keys(values)) {
      if (option === 'help' || option === 'version') continue;
      if (!ALLOWED[command].includes(option)) throw new UsageError(`option '--${option}' does not apply to '${command}'`);
    }
  }
  checkServerUrls(values);
  return {
    command,
    data: nonEmpty('data', values.data) ?? '.data/demo',
    collection: nonEmpty('collection', values.collection) ?? 'demo-docs',
    documents: integer('documents', values.documents, 120, 1, 100_000),
    limit: integer('limit', values.limit, 50, 1, 10_000),
    chromaUrl: values['chroma-url'],
    doltUrl: values['dolt-url'],
    python: nonEmpty('python', values.python),
    dir: nonEmpty('dir', values.dir),
    json: values.json === true,
    help,
    version,
  };
}

function nonEmpty(option: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === '') throw new UsageError(`option '--${option}' needs a value`);
  return value;
}

function integer(option: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`option '--${option}' needs a whole number from ${min} to ${max}, got '${value}'`);
  }
  return number;
}
