/** Test support (not used at run time). */
import { GatewayError } from '../../core/errors.ts';

/** The GatewayError `promise` rejects with; anything else (or no rejection) fails the test. */
export async function gatewayFailure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}
