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
 * A logger writing the same lines to the same destination, without the redaction pass. Only for lines
 * built field by field from ids, names and numbers (the per-request line), where no header or body can
 * appear: redaction is the costliest part of writing a line, and this one is written for every request.
 */
export function withoutRedaction(logger: Logger): Logger {
  const destination = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  if (!destination) return logger;
  return pino({ ...LINE_FORMAT, level: logger.level }, destination);
}

export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // Nothing to flush (a synchronous or already closed destination).
  }
}
