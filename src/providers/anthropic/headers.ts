/** The header that switches on Anthropic beta features, a comma-separated list of feature names. */
export const BETA_HEADER = 'anthropic-beta';

/**
 * The `anthropic-beta` header to send: the operator's betas (static provider `headers`) and the
 * client's, merged without duplicates. An Anthropic client's betas change what the request means
 * (new block types, longer outputs), so they must reach the upstream; nothing else a client sends
 * in a header is forwarded. The result is keyed like the operator's header so it replaces it.
 */
export function betaHeader(
  configured: Record<string, string>,
  fromClient: Record<string, string> | undefined,
): Record<string, string> {
  const configuredKey = Object.keys(configured).find((key) => key.toLowerCase() === BETA_HEADER);
  const clientKey = fromClient && Object.keys(fromClient).find((key) => key.toLowerCase() === BETA_HEADER);
  const names = [
    ...splitBetas(configuredKey === undefined ? undefined : configured[configuredKey]),
    ...splitBetas(clientKey === undefined ? undefined : fromClient?.[clientKey]),
  ];
  if (names.length === 0) return {};
  return { [configuredKey ?? BETA_HEADER]: [...new Set(names)].join(',') };
}

function splitBetas(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}
