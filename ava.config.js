// Tests run from the compiled output (npm's pretest builds it), so ava needs no TypeScript loader
// and the owner workers load exactly the JavaScript a user of the package gets.
export default {
  files: ['dist/test/**/*.test.js'],
  timeout: '120s',
  // Each test file starts its own owner threads and child processes; two at a time suits 2 vCPUs.
  concurrency: 2,
  workerThreads: false,
};
