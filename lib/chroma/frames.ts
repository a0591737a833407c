/**
 * Length-prefixed frames, the wire format between the owner thread and the Python session host: a 4-byte
 * big-endian length, then that many bytes of UTF-8 JSON.
 *
 * Why a decoder of its own: a pipe delivers a large frame in many pieces (64 KiB per read here), and joining
 * each piece onto what came before copies the whole frame again every time, which made a 10 MB reply cost
 * about a hundred times its size in copying. The decoder keeps the pieces and joins them once, when the frame is
 * complete, so a frame costs one copy whatever the pieces. That copy is the body alone, into memory of its own:
 * such a body can move to another thread whole (a transferred `ArrayBuffer`) without dragging neighbours along.
 */

/** Bytes of the length header. */
export const FRAME_HEADER_BYTES = 4;
/** The largest body the 4-byte header can state. */
export const MAX_FRAME_BYTES = 0xffff_ffff;

/**
 * One frame, header and body in one buffer (so it goes out in one write): JSON text encoded straight into it,
 * without an intermediate copy. Throws what `JSON.stringify` throws (a BigInt, a cycle), and a RangeError for a
 * body larger than the header can state.
 */
export function encodeFrame(message: unknown): Buffer {
  const json = JSON.stringify(message);
  if (json === undefined) throw new TypeError('a frame holds a JSON value');
  const length = Buffer.byteLength(json, 'utf8');
  if (length > MAX_FRAME_BYTES) throw new RangeError(`a frame body of ${length} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  frame.write(json, FRAME_HEADER_BYTES, length, 'utf8');
  return frame;
}

/**
 * Splits a byte stream into frame bodies, in order, each handed to `onFrame` once complete. A body that came in
 * more than one piece owns its `ArrayBuffer` (exactly its bytes, see {@link ownsItsBuffer}); one that came
 * within a single piece is a view of that piece.
 */
export class FrameDecoder {
  private pieces: Buffer[] = [];
  private buffered = 0;
  /** Header plus body bytes of the frame being received, once its header is known; -1 before. */
  private frameBytes = -1;

  constructor(private readonly onFrame: (body: Buffer) => void) {}

  /** Bytes received and not yet handed out as a frame. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pieces.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= FRAME_HEADER_BYTES) {
      if (this.frameBytes < 0) this.frameBytes = FRAME_HEADER_BYTES + this.readHeader();
      if (this.buffered < this.frameBytes) return; // the common wait: more pieces of a large frame to come
      const [body, rest] = this.pieces.length === 1 ? this.splitOne() : this.joinBody();
      this.pieces = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.frameBytes = -1;
      this.onFrame(body);
    }
  }

  /** The complete frame lies within the one piece held: its body, and what follows it. */
  private splitOne(): [Buffer, Buffer] {
    const piece = this.pieces[0]!;
    return [piece.subarray(FRAME_HEADER_BYTES, this.frameBytes), piece.subarray(this.frameBytes)];
  }

  /**
   * The body copied out of the pieces into a buffer of its own (not from Node's shared pool), and the bytes
   * after it (only the last piece can hold any: a frame completes with the piece that brought its last byte).
   */
  private joinBody(): [Buffer, Buffer] {
    const body = Buffer.allocUnsafeSlow(this.frameBytes - FRAME_HEADER_BYTES);
    let skip = FRAME_HEADER_BYTES; // header bytes still to pass over
    let filled = 0;
    let rest: Buffer = Buffer.alloc(0);
    for (const piece of this.pieces) {
      const from = Math.min(skip, piece.length);
      skip -= from;
      const take = Math.min(piece.length - from, body.length - filled);
      piece.copy(body, filled, from, from + take);
      filled += take;
      if (from + take < piece.length) rest = piece.subarray(from + take);
    }
    return [body, rest];
  }

  /** The length header, which may itself be split between pieces. */
  private readHeader(): number {
    const first = this.pieces[0]!;
    if (first.length >= FRAME_HEADER_BYTES) return first.readUInt32BE(0);
    const joined = Buffer.concat(this.pieces, this.buffered);
    this.pieces = [joined];
    return joined.readUInt32BE(0);
  }
}

/** Whether `bytes` is the whole of its `ArrayBuffer`, so transferring that buffer moves exactly these bytes. */
export function ownsItsBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}
