import { GatewayError, toGatewayError } from '../core/errors.ts';

/** Encodes a GatewayError as one dialect's error status and body. */
export type ErrorEncoder = (error: GatewayError) => { status: number; body: unknown };

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
}

/**
 * Errors raised by the HTTP layer itself (body too large, bad content) become GatewayErrors, so
 * every error a client sees is in its own dialect.
 */
export function toClientError(error: unknown, bodyLimit: number): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = (error as FastifyLikeError | null)?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new GatewayError(
      'payload_too_large',
      `Request body is larger than the limit of ${bodyLimit} bytes.`,
      {
        code: 'request_too_large',
        retryable: false,
      },
    );
  }
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return invalidBody('The request body is empty or its length is wrong; send a JSON object.');
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return invalidBody('Send the request body as application/json.');
  if (error instanceof SyntaxError)
    return invalidBody(`The request body is not valid JSON: ${error.message}`);
  const status = (error as FastifyLikeError | null)?.statusCode;
  if (status === 400) return invalidBody('The request could not be read.');
  return toGatewayError(error);
}

export function invalidBody(message: string): GatewayError {
  return new GatewayError('invalid_request', message, { code: 'invalid_json', retryable: false });
}
