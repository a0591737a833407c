/**
 * The logging interface: the subset of pino's API the library uses, so a pino (or bunyan, or console-like)
 * logger can be passed as is. Calls take a context object first, then a message.
 */
export interface Logger {
  debug(context: object, message: string): void;
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

const ignore = (): void => {};

/** The default: logs nothing. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
