import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import type { MariaDbServer } from '../../lib/servers/mariadb-server.js';

/** Creates a fresh database on the server and returns its name. */
export async function freshDatabase(server: MariaDbServer): Promise<string> {
  const name = `se_${randomBytes(6).toString('hex')}`;
  const connection = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
  });
  try {
    await connection.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
  } finally {
    await connection.end();
  }
  return name;
}
