// Sets up what the demo and the tests need, idempotently: the Node dependencies (npm ci) and a project-local Python
// virtualenv with the pinned chromadb; with --mariadb (npm test) also MariaDB for the server-mode tests, installed
// only when its binary is missing. The demo needs neither root nor MariaDB. Fast when already done (a stamp
// records what was installed). No shell is involved.
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

/** Node dependencies, so `npm test` and `npm run demo` work in a fresh clone without a separate install. */
function setupNodeModules() {
  const lock = `${root}package-lock.json`;
  const nodeStamp = `${root}node_modules/.session-executor-stamp`;
  const wanted = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(nodeStamp) && readFileSync(nodeStamp, 'utf8') === wanted) return;
  console.error('setup: installing Node dependencies (npm ci)...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
  writeFileSync(nodeStamp, wanted);
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
  console.error('setup: creating .venv and installing chromadb and doltlite (once; about 30 s)...');
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], {
    stdio: 'inherit',
  });
  writeFileSync(stamp, wanted);
}

/** MariaDB, for the server-mode store's tests (a Dolt sql-server cannot be installed here; see README). */
function setupMariaDb() {
  const found = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].some((path) => existsSync(path));
  if (found || process.env.SESSION_EXECUTOR_SKIP_MARIADB === '1') return;
  const why = 'MariaDB is needed for the server-mode store tests (a throwaway server per test run) and mariadbd was not found';
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version']).status === 0;
  if (!isRoot || !hasApt) {
    fail(
      `${why}.\n` +
        '  Debian/Ubuntu (as root): apt-get install -y --no-install-recommends mariadb-server mariadb-client\n' +
        '  Then run npm test again.',
    );
  }
  console.error(`setup: ${why}: installing it from Debian packages (once; about 20 s)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'mariadb-server', 'mariadb-client'], {
    stdio: 'inherit',
    env,
  });
}

setupNodeModules();
setupPython();
if (process.argv.includes('--mariadb')) setupMariaDb();
