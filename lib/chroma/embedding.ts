/**
 * Embedding functions as users bring them, resolved to one shape the collection handle uses:
 * - an npm `chromadb` `EmbeddingFunction` object (or a plain function): runs on the caller's side, so the
 *   owner thread and its session never wait for a model;
 * - `'hash'`: the token-hash embedder (offline, deterministic, not semantic), on either session;
 * - `'default'`: chromadb's default, all-MiniLM-L6-v2 through onnxruntime. The embedded session runs it in
 *   Python (chromadb downloads the model once into `~/.cache/chroma`); the remote session loads
 *   `@chroma-core/default-embed` on the caller's side, as the npm client does;
 * - any other name: a Python-side chromadb embedding function (`sentence_transformer`, `openai`, ...), embedded
 *   session only;
 * - `null`: none; records must come with their embeddings.
 */
import { chromaErrorHere } from './errors.js';
import { hashEmbedder, packedHashEmbedder, type Embedder } from './hash-embedder.js';
import type { PackedEmbeddings } from './packed-embeddings.js';

/** The npm `chromadb` embedding-function interface (the parts this library uses). */
export interface EmbeddingFunction {
  generate(texts: string[]): Promise<number[][]>;
  /** Used for query texts when present, as the npm client does. */
  generateForQueries?(texts: string[]): Promise<number[][]>;
  /** Recorded in the collection's metadata and compared on later use. @default the class name, else 'custom' */
  name?: string;
}

/** What a collection can be given as its embedding function. See the module comment. */
export type EmbeddingFunctionSpec = EmbeddingFunction | Embedder | string | null;

/** Collection-metadata keys where a collection remembers its embedding function. */
export const EMBEDDING_FUNCTION_KEY = 'embedding_function';
export const EMBEDDING_DIMENSION_KEY = 'embedding_dimension';

/** An embedding function ready for a handle: computes on the caller's side, or names a Python-side one. */
export interface ResolvedEmbedding {
  /** What the collection records and compares. */
  readonly name: string;
  /** Caller-side computation; absent for a Python-side function. */
  generate?(texts: string[], forQueries: boolean): Promise<number[][]>;
  /** The same vectors, packed, where the function can write them so directly (the hash embedder). */
  generatePacked?(texts: string[]): PackedEmbeddings;
  /** The Python-side function's name (embedded session only). */
  readonly python?: string;
}

export type SessionKind = 'embedded' | 'remote';

const WHAT_TO_PASS =
  'Pass `embeddingFunction`: an EmbeddingFunction object (e.g. from an @chroma-core package), "hash" (offline, ' +
  'NOT semantic: tests and demos), or null and give `embeddings` yourself.';

export function resolveEmbedding(spec: EmbeddingFunctionSpec, session: SessionKind): ResolvedEmbedding | null {
  if (spec === null) return null;
  if (typeof spec === 'string') return resolveName(spec, session);
  if (typeof spec === 'object' && typeof spec.generate === 'function') {
    const ef = spec;
    return {
      name: nameOf(ef),
      generate: (texts, forQueries) => (forQueries && ef.generateForQueries ? ef.generateForQueries(texts) : ef.generate(texts)),
    };
  }
  if (typeof spec === 'function') {
    // A function that is also an EmbeddingFunction (the hash embedder) keeps its name.
    const withGenerate: Embedder & Partial<EmbeddingFunction> = spec;
    const name = typeof withGenerate.generate === 'function' && spec.name ? spec.name : 'custom';
    const packed = packedHashEmbedder(spec);
    return { name, generate: async (texts) => spec(texts), ...(packed ? { generatePacked: packed } : {}) };
  }
  throw chromaErrorHere('invalid_argument', `embeddingFunction must be an EmbeddingFunction, a name or null. ${WHAT_TO_PASS}`);
}

function nameOf(ef: EmbeddingFunction): string {
  if (typeof ef.name === 'string' && ef.name) return ef.name;
  const className = (ef as object).constructor?.name;
  return className && className !== 'Object' ? className : 'custom';
}

function resolveName(name: string, session: SessionKind): ResolvedEmbedding {
  if (name === 'hash') {
    const hash = hashEmbedder();
    return { name, generate: (texts) => hash.generate(texts), generatePacked: packedHashEmbedder(hash)! };
  }
  if (session === 'embedded') return { name, python: name };
  if (name === 'default') return { name, generate: defaultOnCallerSide() };
  throw chromaErrorHere(
    'embedding_unavailable',
    `the embedding function "${name}" runs in Python, in the embedded session only. ${WHAT_TO_PASS}`,
    { embeddingFunction: name },
  );
}

/** The npm client's default (`@chroma-core/default-embed`), loaded on first use; a typed error if missing. */
function defaultOnCallerSide(): (texts: string[]) => Promise<number[][]> {
  let loaded: Promise<EmbeddingFunction> | undefined;
  return async (texts) => {
    loaded ??= loadDefault();
    return (await loaded).generate(texts);
  };
}

async function loadDefault(): Promise<EmbeddingFunction> {
  const specifier = '@chroma-core/default-embed'; // a variable: an optional package the compiler must not resolve
  try {
    const module = (await import(specifier)) as { DefaultEmbeddingFunction: new () => EmbeddingFunction };
    return new module.DefaultEmbeddingFunction();
  } catch (error) {
    throw chromaErrorHere(
      'embedding_unavailable',
      `chromadb's default embedding function (all-MiniLM-L6-v2) needs the package ${specifier}, which could not be ` +
        `loaded (${(error as Error).message?.split('\n')[0]}). Install it, or: ${WHAT_TO_PASS}`,
      { embeddingFunction: 'default' },
    );
  }
}

/** The typed error for a collection used with another embedding function than the one it records. */
export function embeddingMismatch(
  collection: string,
  recorded: { name?: unknown; dimension?: unknown },
  given: { name: string; dimension?: number },
): Error {
  const describe = (name: unknown, dimension: unknown) =>
    `"${String(name ?? 'unknown')}"${dimension === undefined ? '' : ` (${String(dimension)} dimensions)`}`;
  return chromaErrorHere(
    'embedding_mismatch',
    `collection "${collection}" was built with the embedding function ${describe(recorded.name, recorded.dimension)}, ` +
      `but was given ${describe(given.name, given.dimension)}: pass the same embedding function, or another collection`,
    {
      collectionFunction: recorded.name,
      collectionDimension: recorded.dimension,
      givenFunction: given.name,
      givenDimension: given.dimension,
    },
  );
}
