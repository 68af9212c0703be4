/**
 * The emulator as an HTTP server: a fake upstream speaking vendor wire formats over the shared
 * engine, for the quickstart, integration tests and the benchmark. Plain node:http, no framework,
 * so its own overhead stays out of the gateway's measurements. See docs/emulator.md.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Exchange, type Pacing } from './exchange.ts';
import { type FaultRule, FaultSet, parseFaultRules } from './faults.ts';
import { countInto, type EmulatorStats, emptyStats, snapshotStats } from './stats.ts';
import { anthropicWire } from './wire/anthropic.ts';
import { azureWire } from './wire/azure.ts';
import { bedrockWire } from './wire/bedrock.ts';
import { cohereWire } from './wire/cohere.ts';
import { geminiWire } from './wire/gemini.ts';
import { mistralWire } from './wire/mistral.ts';
import { openaiWire } from './wire/openai.ts';
import { WireError, type WireFormat, type WireRequest, type WireRoute } from './wire/types.ts';

export type { FaultRule } from './faults.ts';
export type { EmulatorStats } from './stats.ts';

export interface EmulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /**
   * When set, API requests must carry it the way each vendor's clients send a key: OpenAI, Mistral,
   * Cohere `Authorization: Bearer`; Anthropic `x-api-key` (or Bearer); Azure `api-key` (or Bearer);
   * Gemini `x-goog-api-key` (Vertex AI paths: Bearer); Bedrock a SigV4 header whose access key id
   * is the key (or Bearer). See docs/emulator.md.
   */
  apiKey?: string;
  ttftMs?: number;
  tokensPerSecond?: number;
  faults?: FaultRule[];
  /** Seeds the fault rules' `rate` draws, so a run repeats exactly. */
  faultSeed?: number;
  /** Model ids listed by the models endpoint besides emulator-chat and emulator-embed. */
  models?: string[];
  /** Larger request bodies are refused with 413. */
  maxBodyBytes?: number;
}

export interface EmulatorHandle {
  /** e.g. http://127.0.0.1:4010 (no trailing slash, no /v1). */
  url: string;
  port: number;
  close(): Promise<void>;
  stats(): EmulatorStats;
  /** Replaces the fault rules (validated; throws on an invalid rule). Counters start afresh. */
  setFaults(rules: FaultRule[]): void;
  faults(): FaultRule[];
  /** Zeroes the stats and restores the fault rules given at start, with fresh counters. */
  reset(): void;
}

/**
 * Checked in order. Anthropic comes before OpenAI (they share `GET /v1/models`, told apart by the
 * `anthropic-version` header); OpenAI comes last and renders errors for paths no wire serves.
 */
const WIRES: readonly WireFormat[] = [
  anthropicWire,
  azureWire,
  mistralWire,
  geminiWire,
  cohereWire,
  bedrockWire,
  openaiWire,
];
const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_FAULT_SEED = 1;
/** Longer than common client pools keep idle sockets, so a reused socket is never closed under it. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const emulator = new Emulator(options);
  return emulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
}

class Emulator {
  private stats = emptyStats();
  private readonly startupFaults: FaultRule[];
  private faults: FaultSet;
  private readonly seed: number;
  private readonly pacing: Pacing;
  private readonly exchanges = new Set<Exchange>();
  private readonly requestIdPrefix = `req_${randomBytes(6).toString('hex')}`;
  private requestCount = 0;
  private readonly server: Server;

  constructor(private readonly options: EmulatorOptions) {
    this.seed = options.faultSeed ?? DEFAULT_FAULT_SEED;
    this.startupFaults = parseFaultRules(options.faults ?? []);
    this.faults = new FaultSet(this.startupFaults, this.seed);
    this.pacing = { ttftMs: options.ttftMs ?? 0, tokensPerSecond: options.tokensPerSecond ?? 0 };
    this.server = createServer((request, response) => {
      this.dispatch(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      });
    });
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  }

  listen(port: number, host: string): Promise<EmulatorHandle> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const actual = (this.server.address() as AddressInfo).port;
        resolve({
          url: `http://${urlHost(host)}:${actual}`,
          port: actual,
          close: () => this.close(),
          stats: () => snapshotStats(this.stats),
          setFaults: (rules) => this.setFaults(rules),
          faults: () => this.faults.rules,
          reset: () => this.reset(),
        });
      });
    });
  }

  private setFaults(rules: unknown): FaultRule[] {
    this.faults = new FaultSet(parseFaultRules(rules), this.seed);
    return this.faults.rules;
  }

  private reset(): void {
    this.stats = emptyStats();
    this.faults = new FaultSet(this.startupFaults, this.seed);
  }

  private async close(): Promise<void> {
    for (const exchange of this.exchanges) {
      exchange.cancelTimers();
      exchange.response.destroy();
    }
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark >= 0 ? url.slice(0, mark) : url;
    if (path.startsWith('/_emulator/')) return this.control(request, response, path);
    await this.api(request, response, path, new URLSearchParams(mark >= 0 ? url.slice(mark + 1) : ''));
  }

  private async api(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const startedAt = performance.now();
    const stats = this.stats;
    stats.requests++;
    countInto(stats.byPath, path);
    const exchange = new Exchange(response, stats, (done) => this.exchanges.delete(done));
    this.exchanges.add(exchange);
    const requestId = `${this.requestIdPrefix}${(++this.requestCount).toString(16).padStart(8, '0')}`;
    const method = request.method ?? 'GET';
    const found = this.findRoute(method, path, request.headers);
    const wire = found?.wire ?? (WIRES.at(-1) as WireFormat);
    const headers = () => wire.responseHeaders(requestId, Math.round(performance.now() - startedAt));
    const refuse = (error: WireError, extra: Record<string, string> = {}) =>
      exchange.sendJson(error.status, wire.errorBody(error.status, error), {
        ...headers(),
        ...wire.errorHeaders?.(error.status, error),
        ...extra,
      });

    const raw = await readBody(request, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    if (raw === undefined) {
      // The rest of the body was not read, so the connection cannot carry another request.
      return refuse(new WireError(413, 'The request body is too large.', null, 'request_too_large'), {
        connection: 'close',
      });
    }
    const body = parseBody(raw);
    stats.lastRequest = {
      method,
      path,
      headers: request.headers,
      body: body.ok ? body.value : raw.length > 0 ? raw.toString('utf8') : null,
    };
    if (!found) return refuse(new WireError(404, `Invalid URL (${method} ${path})`));
    const apiKey = this.options.apiKey;
    if (apiKey !== undefined && !wire.authorized(request.headers, apiKey, path)) {
      return refuse(
        wire.unauthorized?.(request.headers, path) ??
          new WireError(401, 'The API key is missing or incorrect.', null, 'invalid_api_key'),
      );
    }
    if (found.route.needsBody && !body.ok) {
      return refuse(new WireError(400, 'The request body is not valid JSON.', null, 'invalid_json'));
    }
    const wireRequest: WireRequest = {
      method,
      path,
      query,
      headers: request.headers,
      body: body.ok ? body.value : undefined,
      extraModels: this.options.models ?? [],
    };
    const model = found.route.model(wireRequest);
    if (model !== undefined) countInto(stats.requestsByModel, model);
    const stream = found.route.streams(wireRequest);
    const rule = this.faults.match({ path, model, stream });
    if (rule) stats.faulted++;

    if (rule?.slowHeadersMs && !(await exchange.wait(rule.slowHeadersMs))) return;
    if (rule?.disconnectBeforeHeaders) return exchange.cut();
    const streamFault =
      stream && (rule?.disconnectAfterChunks !== undefined || rule?.errorAfterChunks !== undefined);
    if (rule?.status !== undefined && !streamFault) {
      const extra: Record<string, string> = {};
      if (rule.retryAfterSeconds !== undefined) {
        extra['retry-after'] = String(Math.ceil(rule.retryAfterSeconds));
        extra['retry-after-ms'] = String(Math.round(rule.retryAfterSeconds * 1000));
      }
      return exchange.sendJson(rule.status, rule.body ?? wire.errorBody(rule.status), {
        ...headers(),
        ...wire.errorHeaders?.(rule.status),
        ...extra,
      });
    }

    let reply: ReturnType<WireRoute['handle']>;
    try {
      reply = found.route.handle(wireRequest);
    } catch (error) {
      if (error instanceof WireError) return refuse(error);
      throw error;
    }
    const pacing: Pacing = {
      ttftMs: rule?.ttftMs ?? this.pacing.ttftMs,
      tokensPerSecond: rule?.tokensPerSecond ?? this.pacing.tokensPerSecond,
    };
    if (reply.kind === 'json') return exchange.sendReply(reply, headers(), pacing);
    const fault = streamFault
      ? {
          ...(rule?.disconnectAfterChunks !== undefined
            ? { disconnectAfterChunks: rule.disconnectAfterChunks }
            : {}),
          ...(rule?.errorAfterChunks !== undefined ? { errorAfterChunks: rule.errorAfterChunks } : {}),
          errorEvent: wire.streamError(
            rule?.body ?? wire.errorBody(rule?.status ?? 500),
            rule?.status ?? 500,
          ),
        }
      : undefined;
    exchange.sendStream(reply, headers(), pacing, fault);
  }

  private findRoute(
    method: string,
    path: string,
    headers: IncomingMessage['headers'],
  ): { wire: WireFormat; route: WireRoute } | undefined {
    for (const wire of WIRES) {
      const route = wire.route(method, path, headers);
      if (route) return { wire, route };
    }
    return undefined;
  }

  /** Test controls; unauthenticated by design (the emulator listens on loopback by default). */
  private async control(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const method = request.method ?? 'GET';
    const raw = await readBody(request, DEFAULT_MAX_BODY_BYTES);
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      response.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
      });
      response.end(text);
    };
    const key = `${method} ${path}`;
    if (key === 'GET /_emulator/stats') return send(200, snapshotStats(this.stats));
    if (key === 'GET /_emulator/faults') return send(200, { faults: this.faults.rules });
    if (key === 'DELETE /_emulator/faults') return send(200, { faults: this.setFaults([]) });
    if (key === 'POST /_emulator/reset') {
      this.reset();
      return send(200, { ok: true });
    }
    if (key === 'PUT /_emulator/faults') {
      const body = raw ? parseBody(raw) : { ok: false as const };
      const rules = body.ok && isObject(body.value) ? body.value.faults : undefined;
      try {
        return send(200, { faults: this.setFaults(rules) });
      } catch (error) {
        return send(400, {
          error: {
            message: (error as Error).message,
            type: 'invalid_request_error',
            param: 'faults',
            code: null,
          },
        });
      }
    }
    send(404, {
      error: {
        message: `Unknown emulator control endpoint (${key})`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  }
}

/** The whole body, or undefined when it exceeds `limit` bytes. */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > limit) return undefined;
    parts.push(part);
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

function parseBody(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (raw.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The address clients should use: a wildcard bind is reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
