/**
 * The package as users get it: `npm pack`, then `npm install` of the tarball into a fresh app in the system's
 * temporary folder, outside this repository, so nothing resolves from the repository's own node_modules.
 */
import type { ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};

/** `name@range` as this repository pins it (so the npm cache serves it). */
export function pinned(name: string): string {
  const range = manifest.devDependencies[name];
  if (!range) throw new Error(`${name} is not a devDependency`);
  return `${name}@${range}`;
}

export interface Packed {
  tarball: string;
  files: string[];
}

/** Packs the built package (dist/ is built by pretest; --ignore-scripts so packing never rebuilds it). */
export async function pack(t: ExecutionContext): Promise<Packed> {
  const dir = mkdtempSync(join(tmpdir(), 'se-pack-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repoRoot });
  const [{ filename, files }] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: join(dir, filename), files: files.map((file) => file.path) };
}

/** A new ES-module app with the tarball and `extra` packages installed (from the npm cache when it has them). */
export async function createApp(t: ExecutionContext, tarball: string, extra: string[] = []): Promise<string> {
  const app = mkdtempSync(join(tmpdir(), 'se-app-'));
  t.teardown(() => rmSync(app, { recursive: true, force: true }));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...extra], {
    cwd: app,
    timeout: 300_000,
  });
  return app;
}

/** The repository's TypeScript compiler (an app would have its own; the version is the same). */
export function tsc(project: string) {
  return run(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project]);
}
