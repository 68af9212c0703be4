import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs to stdout. The destination is asynchronous (buffered, flushed off the hot
 * path and at least once a second); `flushLogger` drains it at shutdown. Credentials are redacted by path as a second line of
 * defence: nothing should log them in the first place.
 */
export function createLogger(
  options: { level: string; destination?: NodeJS.WritableStream | number } = { level: 'info' },
): Logger {
  const buffered =
    typeof options.destination === 'object'
      ? undefined
      : pino.destination({ dest: options.destination ?? 1, sync: false, minLength: 4096 });
  const destination = buffered ?? (options.destination as NodeJS.WritableStream);
  const logger = pino(
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
  if (buffered) periodicFlushes.set(logger, flushPeriodically(buffered));
  return logger;
}

/**
 * The buffered destination writes once 4 KB of lines have gathered, so under load a line costs no
 * system call of its own; at low traffic, though, a request's line could wait there for minutes. Once
 * a second, whatever has gathered is written out.
 */
const FLUSH_INTERVAL_MS = 1000;
const periodicFlushes = new WeakMap<Logger, NodeJS.Timeout>();

function flushPeriodically(destination: pino.DestinationStream & { flush(): void }): NodeJS.Timeout {
  let written = false;
  const write = destination.write.bind(destination);
  destination.write = (line: string) => {
    written = true;
    return write(line);
  };
  const timer = setInterval(() => {
    if (!written) return;
    written = false;
    try {
      destination.flush();
    } catch {
      // Closed: nothing more will be written.
    }
  }, FLUSH_INTERVAL_MS);
  timer.unref();
  return timer;
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

/** Writes out what is buffered and stops the periodic flush; for shutdown. */
export function flushLogger(logger: Logger): void {
  clearInterval(periodicFlushes.get(logger));
  try {
    logger.flush();
  } catch {
    // Nothing to flush (a synchronous or already closed destination).
  }
}
