/**
 * `session-executor/testing`: throwaway servers for an app's own tests, on 127.0.0.1 under a guardian process
 * that kills them if the test process dies. A Chroma server (from the Python environment the embedded session
 * uses) and a MariaDB server (needs `mariadbd` installed).
 */
export { startChromaServer } from '../servers/chroma-server.js';
export type { ChromaServer, ChromaServerOptions } from '../servers/chroma-server.js';
export { startMariaDb } from '../servers/mariadb-server.js';
export type { MariaDbServer } from '../servers/mariadb-server.js';
export { GuardedProcess, freePort } from '../servers/guarded-server.js';
