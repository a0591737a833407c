/**
 * The read-only commands. They open only what they read (`log`: the store alone) and create nothing: a
 * missing store, database or collection is an error that names it.
 */
import { ChromaDoltSync } from '../sync/chroma-dolt-sync.js';
import { NotFoundError, openChroma, openStore, type ConnectOptions } from './connect.js';
import type { Output } from './output.js';

export async function showLog(options: ConnectOptions, limit: number, out: Output): Promise<void> {
  const store = await openStore({ ...options, mustExist: true });
  try {
    const commits = await store.value.log(limit);
    out.json(commits);
    for (const commit of commits) out.line(`${commit.hash.slice(0, 12)}  ${commit.date}  ${commit.message}`);
  } finally {
    await store.value.close();
  }
}

export async function showStatus(options: ConnectOptions, collection: string, out: Output): Promise<void> {
  const [chroma, store] = await Promise.allSettled([
    openChroma({ ...options, mustExist: true }),
    openStore({ ...options, mustExist: true }),
  ]);
  try {
    if (chroma.status === 'rejected') throw chroma.reason;
    if (store.status === 'rejected') throw store.reason;
    const names = (await chroma.value.value.listCollections()).map((c) => c.name);
    if (!names.includes(collection)) {
      throw new NotFoundError(
        `no collection "${collection}" in ${chroma.value.description} (collections: ${names.join(', ') || 'none'})`,
      );
    }
    const result = await new ChromaDoltSync(chroma.value.value, store.value.value).detectLocalChanges(collection);
    const { added, modified, deleted } = result;
    out.json({ collection, added, modified, deleted });
    out.line(`Pending in "${collection}": ${added.length} added, ${modified.length} modified, ${deleted.length} deleted`);
    for (const [label, ids] of [['added', added], ['modified', modified], ['deleted', deleted]] as const) {
      for (const id of ids.slice(0, 50)) out.line(`  ${label.padEnd(8)} ${id}`);
    }
  } finally {
    if (chroma.status === 'fulfilled') await chroma.value.value.close();
    if (store.status === 'fulfilled') await store.value.value.close();
  }
}
