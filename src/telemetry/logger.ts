import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs to stdout. The destination is asynchronous (buffered, flushed off the hot
 * path); `flushLogger` drains it at shutdown. Credentials are redacted by path as a second line of
 * defence: nothing should log them in the first place.
 */
export function createLogger(
  options: { level: string; destination?: NodeJS.WritableStream | number } = { level: 'info' },
): Logger {
  const destination =
    typeof options.destination === 'object'
      ? options.destination
      : pino.destination({ dest: options.destination ?? 1, sync: false, minLength: 4096 });
  return pino(
    {
      ...LINE_FORMAT,
      level: options.level,
      redact: {
        paths: [
          '*.api_key',
          '*.apiKey',
          '*.authorization',
          '*.key',
          '*.azure_client_secret',
          '*.azure_ad_token',
          '*.aws_secret_access_key',
          '*.aws_session_token',
          '*.access_token',
          '*.credentials_json',
          '*.private_key',
          'headers.authorization',
          'headers["x-api-key"]',
          'headers["api-key"]',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

const LINE_FORMAT = {
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label: string) => ({ level: label }) },
};

/**
 * Writes info lines whose fields are already serialized (`"msg":"request",…`, no braces) to a logger's
 * destination, with the level and time every line opens with. For the per-request line, built field by
 * field from ids, names and numbers (never a header or a body), so it needs no redaction pass and none
 * of pino's generic serialization, the costliest parts of a line written for every request. Undefined
 * when info is off.
 */
export function infoLineWriter(logger: Logger): ((fields: string) => void) | undefined {
  if (!logger.isLevelEnabled('info')) return undefined;
  const destination = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  if (!destination) return undefined;
  // isoTime returns `,"time":"…"`, the field pino writes.
  return (fields) => destination.write(`{"level":"info"${LINE_FORMAT.timestamp()},${fields}}\n`);
}

export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // Nothing to flush (a synchronous or already closed destination).
  }
}
