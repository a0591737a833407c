/**
 * The heavy clients (chromadb, mysql2, DoltLite) are optional peer dependencies: an app installs only the ones
 * it uses, and the core never loads any of them. This module checks for and loads them when a feature first
 * needs one, and names the package to install when it is missing (instead of a bare ERR_MODULE_NOT_FOUND).
 */
import { readFileSync } from 'node:fs';
import { SessionExecutorError } from './errors.js';
import { packageRoot } from './paths.js';

/** A feature needs an optional package the app has not installed. `code`: `ERR_MISSING_PEER_DEPENDENCY`. */
export class MissingPeerDependencyError extends SessionExecutorError {
  constructor(
    /** The npm package to install. */
    readonly packageName: string,
    /** What needed it, e.g. `MysqlStore`. */
    readonly feature: string,
    cause?: unknown,
  ) {
    super(
      'ERR_MISSING_PEER_DEPENDENCY',
      `${feature} needs the package "${packageName}", which is not installed. Install it in your app: ` +
        `npm install ${packageName}@${wantedRange(packageName)}`,
      { cause },
    );
  }
}

/** The version range this release was built and tested against, from our own package.json. */
function wantedRange(packageName: string): string {
  try {
    const manifest = JSON.parse(readFileSync(`${packageRoot}package.json`, 'utf8')) as {
      peerDependencies?: Record<string, string>;
    };
    return manifest.peerDependencies?.[packageName] ?? 'latest';
  } catch {
    return 'latest';
  }
}

function isMissing(error: unknown, packageName: string): boolean {
  const e = error as { code?: string; message?: string };
  return (
    (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(packageName)
  );
}

/**
 * Throws {@link MissingPeerDependencyError} unless `packageName` resolves from this package's location (where an
 * app's `node_modules` is). Resolving does not load the package: a feature that loads it in an owner thread
 * checks here first, so the caller gets this error rather than a failed open.
 */
export function requirePeer(packageName: string, feature: string, specifier: string = packageName): void {
  try {
    import.meta.resolve(specifier);
  } catch (error) {
    if (isMissing(error, packageName)) throw new MissingPeerDependencyError(packageName, feature, error);
    throw error;
  }
}

/** Imports an optional package, or throws {@link MissingPeerDependencyError} naming it. */
export async function importPeer<T>(packageName: string, feature: string, specifier: string = packageName): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    if (isMissing(error, packageName)) throw new MissingPeerDependencyError(packageName, feature, error);
    throw error;
  }
}
