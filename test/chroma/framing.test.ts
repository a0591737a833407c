/**
 * The length-prefixed frames between the owner thread and the Python host: the decoder in Node, and the host's
 * reading and writing, with frames split any way a pipe may split them, large frames both ways, and bad frames
 * that must cost one error reply each and leave the stream in step.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { encodeFrame, FrameDecoder, FRAME_HEADER_BYTES, ownsItsBuffer } from '../../lib/chroma/frames.js';
import { workerFile } from '../../lib/paths.js';
import { resolvePython } from '../../lib/python/discovery.js';
import { tempDir } from '../helpers/temp-dir.js';

function decodeAll(pieces: Buffer[]): string[] {
  const bodies: string[] = [];
  const decoder = new FrameDecoder((body) => bodies.push(body.toString('utf8')));
  for (const piece of pieces) decoder.push(piece);
  if (decoder.pending !== 0) bodies.push(`(${decoder.pending} bytes left over)`);
  return bodies;
}

function split(bytes: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size) pieces.push(bytes.subarray(start, start + size));
  return pieces;
}

test('frames: the header states the UTF-8 byte length, not the string length', (t) => {
  const frame = encodeFrame({ text: 'ü✅😀' });
  const json = JSON.stringify({ text: 'ü✅😀' });
  t.is(frame.readUInt32BE(0), Buffer.byteLength(json));
  t.is(frame.subarray(FRAME_HEADER_BYTES).toString('utf8'), json);
  t.throws(() => encodeFrame({ n: 1n }), { instanceOf: TypeError });
});

test('frames: split at every byte, several in one piece, or with the header split, each frame comes out once and whole', (t) => {
  const messages = [{ a: 1 }, { b: 'ü'.repeat(100) }, {}, { c: [1, 2, 3] }];
  const bytes = Buffer.concat(messages.map((message) => encodeFrame(message)));
  const expected = messages.map((message) => JSON.stringify(message));
  t.deepEqual(decodeAll([bytes]), expected, 'all in one piece');
  t.deepEqual(decodeAll(split(bytes, 1)), expected, 'one byte at a time');
  for (const size of [2, 3, 5, 7, 64]) t.deepEqual(decodeAll(split(bytes, size)), expected, `pieces of ${size}`);
  t.deepEqual(decodeAll([bytes.subarray(0, 2), bytes.subarray(2)]), expected, 'the first header split');
  t.deepEqual(decodeAll([bytes, Buffer.alloc(0)]), expected, 'an empty piece');
});

test('frames: a 24 MB frame in 64 KiB pieces comes out whole, joined once', (t) => {
  const text = 'x'.repeat(1_000) + 'é'.repeat(500);
  const message = { documents: Array.from({ length: 12_000 }, (_, i) => `${i}${text}`) };
  const frame = encodeFrame(message);
  t.true(frame.length > 24_000_000);
  const bodies: Buffer[] = [];
  const decoder = new FrameDecoder((body) => bodies.push(body));
  for (const piece of split(frame, 65_536)) decoder.push(piece);
  t.is(bodies.length, 1);
  t.deepEqual(JSON.parse(bodies[0]!.toString('utf8')), message);
  t.is(decoder.pending, 0);
});

/** The shipped Python host on raw pipes, so a test can write any bytes and read every reply frame. */
async function rawHost() {
  const child = spawn(await resolvePython(), [workerFile('chroma_host.py')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ANONYMIZED_TELEMETRY: 'False' },
  });
  const replies: unknown[] = [];
  const waiting: Array<() => void> = [];
  const decoder = new FrameDecoder((body) => {
    replies.push(JSON.parse(body.toString('utf8')));
    waiting.shift()?.();
  });
  child.stdout.on('data', (chunk: Buffer) => decoder.push(chunk));
  const exited = once(child, 'exit');
  return {
    child,
    write: (bytes: Buffer) => writeAndDrain(child.stdin, bytes),
    /** Resolves with the next reply frame. */
    next: async (): Promise<any> => {
      if (replies.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      return replies.shift();
    },
    get unread() {
      return replies.length;
    },
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** Resolves once the bytes were handed to the pipe: the next write is a separate one. */
function writeAndDrain(stream: Writable, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => stream.write(bytes, (error) => (error ? reject(error) : resolve())));
}

function header(length: number): Buffer {
  const bytes = Buffer.alloc(FRAME_HEADER_BYTES);
  bytes.writeUInt32BE(length, 0);
  return bytes;
}

test('Python host: a frame split across writes is read whole; bad frames cost one error reply each, the stream stays in step', async (t) => {
  const host = await rawHost();
  t.teardown(() => host.stop());
  await host.write(encodeFrame({ op: 'open', args: { path: tempDir(t, 'framing') } }));
  t.truthy((await host.next()).ok);

  // One request in four writes, the header itself split.
  const request = encodeFrame({ op: 'list_collections', args: {} });
  for (const piece of [request.subarray(0, 1), request.subarray(1, 3), request.subarray(3, 9), request.subarray(9)]) {
    await host.write(piece);
  }
  t.deepEqual(await host.next(), { ok: [] });

  // Bad bodies, each a whole frame: invalid UTF-8, not JSON, JSON that is not an object, an escaped lone
  // surrogate, an unknown operation, an empty body.
  const bad = [
    Buffer.from([0xff, 0xfe, 0x7b]),
    Buffer.from('{"op": "count", '),
    Buffer.from('[1, 2]'),
    Buffer.from('{"op": "create_collection", "args": {"name": "\\ud800abc"}}'),
    Buffer.from('{"op": "no_such_op", "args": {}}'),
    Buffer.alloc(0),
  ];
  // Sent in one write together with a good request after them: exactly one reply per frame, in order.
  await host.write(Buffer.concat([...bad.flatMap((body) => [header(body.length), body]), request]));
  for (const body of bad) {
    const reply = await host.next();
    t.truthy(reply.error, `an error reply for ${JSON.stringify(body.toString('latin1'))}`);
    t.is(reply.error.kind, 'invalid_argument');
  }
  t.deepEqual(await host.next(), { ok: [] }, 'the request after the bad frames is answered normally');
  t.is(host.unread, 0);
});

test('Python host: large frames both ways (a 5 MB write and its 5 MB read back) arrive whole', async (t) => {
  const host = await rawHost();
  t.teardown(() => host.stop());
  await host.write(encodeFrame({ op: 'open', args: { path: tempDir(t, 'framing-large') } }));
  t.truthy((await host.next()).ok);
  await host.write(encodeFrame({ op: 'create_collection', args: { name: 'large-frames' } }));
  t.truthy((await host.next()).ok);
  const n = 2_500;
  const ids = Array.from({ length: n }, (_, i) => `id-${String(i).padStart(5, '0')}`);
  const documents = ids.map((id) => `${id} ${'ß∑ text '.repeat(250)}`);
  const embeddings = ids.map((_, i) => [Math.sin(i), Math.cos(i), 0.5]);
  const write = encodeFrame({ op: 'add', args: { collection: 'large-frames', ids, documents, embeddings } });
  t.true(write.length > 5_000_000);
  await host.write(write);
  t.deepEqual(await host.next(), { ok: n });
  await host.write(encodeFrame({ op: 'get', args: { collection: 'large-frames', ids, include: ['documents'] } }));
  const reply = await host.next();
  t.is(reply.ok.ids.length, n);
  const byId = new Map<string, string>(reply.ok.ids.map((id: string, i: number) => [id, reply.ok.documents[i]]));
  t.true(ids.every((id, i) => byId.get(id) === documents[i]));
});

test('frames: a body that came in several pieces owns exactly its bytes (it can be transferred alone); one within a piece is a view', (t) => {
  const frames = Buffer.concat([encodeFrame({ big: 'y'.repeat(200_000) }), encodeFrame({ small: 1 })]);
  const bodies: Buffer[] = [];
  const decoder = new FrameDecoder((body) => bodies.push(body));
  for (const piece of split(frames, 65_536)) decoder.push(piece);
  t.is(bodies.length, 2);
  t.true(ownsItsBuffer(bodies[0]!));
  t.deepEqual(JSON.parse(bodies[0]!.toString('utf8')), { big: 'y'.repeat(200_000) });
  t.false(ownsItsBuffer(bodies[1]!), 'the small frame came within the last piece');
  t.deepEqual(JSON.parse(bodies[1]!.toString('utf8')), { small: 1 });
});
