import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
} from '@opentelemetry/semantic-conventions/incubating';
import { emptyUsage } from '../core/ir.ts';
import { newContext } from '../pipeline/context.ts';
import { ATTR, describeRequest } from './genai-spans.ts';
import { tracesUrl } from './tracing.ts';

describe('GenAI span descriptions', () => {
  test('attribute names are the semantic conventions ones', () => {
    assert.deepEqual(ATTR, {
      operationName: ATTR_GEN_AI_OPERATION_NAME,
      system: ATTR_GEN_AI_SYSTEM,
      providerName: ATTR_GEN_AI_PROVIDER_NAME,
      requestModel: ATTR_GEN_AI_REQUEST_MODEL,
      responseModel: ATTR_GEN_AI_RESPONSE_MODEL,
      inputTokens: ATTR_GEN_AI_USAGE_INPUT_TOKENS,
      outputTokens: ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
      cacheReadTokens: ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
      httpStatus: ATTR_HTTP_RESPONSE_STATUS_CODE,
      errorType: ATTR_ERROR_TYPE,
    });
  });

  test('an embeddings request through a fallback: spans in time order, provider names per convention', () => {
    const context = {
      ...newContext('req-9', 'embeddings', 'openai-embeddings', 10_000),
      requestedModel: 'embed-default',
      route: 'embed-backup',
      provider: 'bedrock-us',
      providerType: 'bedrock',
      upstreamModel: 'titan-embed',
      usage: { ...emptyUsage(), inputTokens: 12 },
      attempts: [
        {
          route: 'embed-default',
          target: 'azure/ada',
          provider: 'azure',
          model: 'ada',
          startedAt: 10_001,
          durationMs: 30,
          outcome: 'error' as const,
          errorKind: 'upstream_timeout',
        },
        {
          route: 'embed-backup',
          target: 'bedrock-us/titan-embed',
          provider: 'bedrock-us',
          model: 'titan-embed',
          startedAt: 10_040,
          durationMs: 20,
          outcome: 'success' as const,
        },
      ],
    };
    const types: Record<string, string> = { azure: 'azure-openai', 'bedrock-us': 'bedrock' };
    const spans = describeRequest({ context, latencyMs: 75.5 }, (name) => types[name]);

    assert.equal(spans.request.name, 'embeddings embed-default');
    assert.equal(spans.request.startTime, 10_000);
    assert.equal(spans.request.endTime, 10_075.5);
    assert.equal(spans.request.attributes[ATTR.providerName], GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK);
    assert.equal(spans.request.attributes[ATTR.system], 'bedrock');
    assert.equal(spans.request.attributes[ATTR.inputTokens], 12);
    assert.equal(spans.request.attributes[ATTR.cacheReadTokens], undefined);
    assert.equal(spans.request.error, undefined);

    assert.deepEqual(
      spans.attempts.map((span) => [span.name, span.startTime, span.endTime, span.error]),
      [
        ['embeddings ada', 10_001, 10_031, 'upstream_timeout'],
        ['embeddings titan-embed', 10_040, 10_060, undefined],
      ],
    );
    assert.equal(
      spans.attempts[0]?.attributes[ATTR.providerName],
      GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
    );
    assert.equal(spans.attempts[0]?.attributes['switchyard.route'], 'embed-default');
  });

  test('a request refused before its body was read is named by its operation alone', () => {
    const context = {
      ...newContext('req-2', 'chat', 'openai-chat', 0),
      status: 401,
      errorKind: 'authentication' as const,
    };
    const spans = describeRequest({ context, latencyMs: 1 }, () => undefined);
    assert.equal(spans.request.name, 'chat');
    assert.equal(spans.request.error, 'authentication');
    assert.equal(spans.request.attributes[ATTR.errorType], 'authentication');
    assert.equal(spans.request.attributes[ATTR.system], undefined);
    assert.deepEqual(spans.attempts, []);
  });
});

describe('tracesUrl', () => {
  test('appends the OTLP traces path to a base URL once', () => {
    assert.equal(tracesUrl('http://collector:4318'), 'http://collector:4318/v1/traces');
    assert.equal(tracesUrl('http://collector:4318/'), 'http://collector:4318/v1/traces');
    assert.equal(tracesUrl('https://otlp.example.com/v1/traces'), 'https://otlp.example.com/v1/traces');
  });
});
