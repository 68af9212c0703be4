/** Test helper: usage records with sensible defaults. */
import type { UsageRecord } from './record.ts';

let sequence = 0;

export function sampleRecord(overrides: Partial<UsageRecord> = {}): UsageRecord {
  sequence += 1;
  const startedAt = overrides.started_at ?? Date.UTC(2025, 0, 15, 10, 30);
  return {
    request_id: `req_test_${process.pid}_${sequence}`,
    started_at: startedAt,
    completed_at: startedAt + 250,
    endpoint: 'chat',
    dialect: 'openai-chat',
    key_id: 'key_1',
    key_name: 'search-service',
    user_id: 'ada',
    app: 'search',
    team: 'discovery',
    cost_center: 'cc-100',
    business_unit: 'consumer',
    tags: ['env=prod'],
    requested_model: 'chat-default',
    route: 'chat-default',
    provider: 'openai',
    provider_type: 'openai',
    model: 'gpt-4o-mini',
    region: 'us',
    input_tokens: 1000,
    output_tokens: 500,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_micros: 450,
    cost_known: true,
    price_version: 'openai/gpt-4o-mini@000000000000',
    zero_cost_anomaly: false,
    usage_estimated: false,
    latency_ms: 250,
    ttft_ms: 250,
    status: 200,
    error_kind: null,
    error_code: null,
    attempt_count: 1,
    attempts: [
      {
        route: 'chat-default',
        target: 'openai/gpt-4o-mini',
        provider: 'openai',
        model: 'gpt-4o-mini',
        startedAt,
        durationMs: 240,
        outcome: 'success',
      },
    ],
    streamed: false,
    client_disconnected: false,
    ...overrides,
  };
}
