import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RepositoryStateError } from '../../lib/repository/errors.js';
import { StateFile } from '../../lib/repository/state-file.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a damaged state file is a RepositoryStateError naming the file and what to do, and is left as it was', (t) => {
  const path = join(tempDir(t, 'state-file'), 'repository.json');
  for (const [text, reason] of [
    ['{"branch": "ma', /not valid JSON/],
    ['[1, 2]', /not a JSON object/],
    ['null', /not a JSON object/],
    ['{"branch": 7}', /'branch' is not a string/],
    ['{"branch": "main", "journal": "x"}', /'journal' is not an object/],
  ] as const) {
    writeFileSync(path, text);
    const error = t.throws(() => new StateFile(path).read(), { instanceOf: RepositoryStateError });
    t.is(error!.code, 'ERR_REPOSITORY_STATE');
    t.true(error!.message.includes(path), 'names the file');
    t.regex(error!.message, reason);
    t.regex(error!.message, /move it aside/);
    t.is(readFileSync(path, 'utf8'), text, 'the file is left for the user to inspect');
  }
  writeFileSync(path, '{"branch":"feature","journal":null}');
  t.deepEqual(new StateFile(path).read(), { branch: 'feature', journal: null });
});
