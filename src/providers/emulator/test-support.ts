/** Helpers shared by the emulator's HTTP tests (not used by the emulator itself). */

export interface SseRead {
  /** The `data:` payloads in order, `[DONE]` included. */
  data: string[];
  /** Whether the body ended with a transport error (the server dropped the connection). */
  broken: boolean;
}

/** Reads a whole SSE body, tolerating a connection that is dropped midway. */
export async function readSse(response: Response): Promise<SseRead> {
  let text = '';
  let broken = false;
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>)
      text += decoder.decode(chunk, { stream: true });
  } catch {
    broken = true;
  }
  return { data: sseData(text), broken };
}

export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

/** Polls `check` until it holds or `timeoutMs` passes (for state another connection or timer updates). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
