/**
 * Every TypeScript sample in the README, as a user runs it: the packed package installed into a fresh app
 * outside the repository, Python provisioned with the documented command, each sample type-checked (strict,
 * skipLibCheck off) and run. A sample whose first line is `// name.ts` is a module other samples import; the
 * others are programs. The provisioned Python environment is the per-user one, so it is reused between runs.
 */
import test from 'ava';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, pack, pinned, repoRoot, run, tsc } from './helpers/packed-app.js';

interface Sample {
  file: string;
  code: string;
  program: boolean;
}

function readmeSamples(): Sample[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code], index) => {
    const named = /^\/\/ ([\w-]+)\.ts\n/.exec(code!);
    return { file: named ? `${named[1]}.ts` : `sample-${index + 1}.ts`, code: code!, program: !named };
  });
}

/** Output each program must print (so a sample that runs but does nothing fails). */
const EXPECTED = [/hello, world #1/, /Add the first note/, /nearest to kitten: \[ 'a' \]/, /merge: fast-forward - First note, edited on feature/];

test('README samples type-check and run in an app that installed the packed package', async (t) => {
  t.timeout(15 * 60_000, 'the first run installs chromadb into the per-user environment');
  const samples = readmeSamples();
  t.true(samples.filter((sample) => sample.program).length >= 2, 'the README has its samples');
  const { tarball } = await pack(t);
  const app = await createApp(t, tarball, [pinned('@types/node'), pinned('@dolthub/doltlite-wasm')]);

  // The documented provisioning command, run from the app. Discovery must find its result on its own.
  const env = { ...process.env };
  delete env.SESSION_EXECUTOR_PYTHON;
  const setup = await run('npx', ['--no-install', 'session-executor', 'setup-python'], { cwd: app, env, timeout: 14 * 60_000 });
  t.regex(setup.stdout.trim(), /python$/, 'it prints the interpreter');

  const source = join(app, 'src');
  mkdirSync(source);
  for (const sample of samples) writeFileSync(join(source, sample.file), sample.code);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        types: ['node'],
        outDir: 'out',
        rootDir: 'src',
      },
      include: ['src'],
    }),
  );
  await tsc(app).catch((error: { stdout?: string }) => t.fail(`the samples do not type-check:\n${error.stdout}`));

  let output = '';
  for (const sample of samples.filter((s) => s.program)) {
    const result = await run(process.execPath, [join(app, 'out', sample.file.replace(/\.ts$/, '.js'))], {
      cwd: app,
      env,
      timeout: 120_000,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      t.fail(`${sample.file} failed:\n${error.stderr}`);
      return { stdout: '', stderr: '' };
    });
    t.notRegex(result.stderr, /Traceback/, `${sample.file}: no Python traceback`);
    output += result.stdout;
  }
  for (const expected of EXPECTED) t.regex(output, expected);
});
