// Sets up what the tests and the demo need, idempotently: a project-local Python virtualenv with the pinned
// chromadb. Fast when already done (a stamp records what was installed). No shell is involved.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const venv = `${root}.venv`;
const python = `${venv}/bin/python`;
const requirements = `${root}workers/requirements.txt`;
const stamp = `${venv}/.session-executor-stamp`;

function fail(message) {
  console.error(`setup: ${message}`);
  process.exit(1);
}

function setupPython() {
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(python)) return;
  const probe = spawnSync('python3', ['-c', 'import venv, ensurepip, sys; print(sys.version_info >= (3, 9))'], {
    encoding: 'utf8',
  });
  if (probe.error || probe.status !== 0) {
    fail(
      'python3 with the venv module is needed for the embedded Chroma session.\n' +
        '  Debian/Ubuntu: apt-get install python3 python3-venv    macOS: brew install python',
    );
  }
  if (probe.stdout.trim() !== 'True') fail('python3 >= 3.9 is needed for chromadb.');
  console.error('setup: creating .venv and installing chromadb (once; about 30 s)...');
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], {
    stdio: 'inherit',
  });
  writeFileSync(stamp, wanted);
}

setupPython();
