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
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
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
          'headers.authorization',
          'headers["x-api-key"]',
          'headers["api-key"]',
        ],
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // Nothing to flush (a synchronous or already closed destination).
  }
}
