/** Argument checks and value parsing shared by the DoltLite and the Dolt-server versioning. */
import { storeArgumentError } from './errors.js';

/** Refs are passed to Dolt functions whose arguments may be flags: one starting with '-' must never pass. */
const REF = /^[A-Za-z0-9][A-Za-z0-9._/~^-]{0,199}$/;

export function checkRef(ref: string): string {
  if (typeof ref !== 'string' || !REF.test(ref)) throw storeArgumentError(`invalid ref: ${JSON.stringify(ref)}`);
  return ref;
}

/** Remote URLs may not look like flags either. */
export function checkRemoteUrl(url: string): string {
  if (typeof url !== 'string' || url.startsWith('-') || url.length === 0 || url.length > 4096) {
    throw storeArgumentError('invalid remote url');
  }
  return url;
}

/** Metadata as stored: JSON text (DoltLite) or an already parsed JSON column (Dolt); anything else is `{}`. */
export function parseMetadata(value: unknown): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}
