import type { ProviderConfig } from '../../config/schema.ts';
import { GatewayError } from '../../core/errors.ts';

/** A `gemini` provider the gateway cannot start with; the message names the provider and the setting. */
export function geminiConfigError(config: Pick<ProviderConfig, 'name'>, message: string): GatewayError {
  return new GatewayError('invalid_request', `Provider "${config.name}" of type gemini: ${message}`);
}
