import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { LiveCatalog } from '../catalog/live.ts';
import { parseConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { RouteTable } from '../routing/table.ts';
import { catalogModelExtension } from './catalog-models.ts';

const NOW = Date.parse('2026-08-01T00:00:00Z');

describe('catalog fields in GET /v1/models', () => {
  const config = parseConfig(
    {
      providers: [
        { name: 'openai-main', type: 'openai', api_key: 'sk-test' },
        { name: 'emu', type: 'emulator' },
      ],
      routes: [
        {
          name: 'chat-default',
          targets: [
            { provider: 'openai-main', model: 'gpt-4o-mini', price: { input_per_million: '0.12' } },
            { provider: 'emu', model: 'emulator-chat' },
          ],
        },
        { name: 'local', targets: [{ provider: 'emu', model: 'emulator-chat' }] },
      ],
    },
    {},
  );
  const routes = new RouteTable(config, new ManualClock(NOW));
  let live: LiveCatalog;
  before(async () => {
    live = await LiveCatalog.open({ save: async () => true, latest: async () => undefined });
  });

  test('describes each target the catalog knows, with its negotiated price', () => {
    const extension = catalogModelExtension(() => live.current())(routes.get('chat-default')!);
    const targets = (extension.switchyard as { targets: Array<Record<string, unknown>> }).targets;
    assert.equal(targets.length, 1, 'the emulator target has no catalog entry');
    const [target] = targets;
    assert.equal(target?.provider, 'openai-main');
    assert.equal(target?.model, 'gpt-4o-mini');
    assert.equal(target?.catalog_model, 'openai/gpt-4o-mini');
    assert.equal(target?.context_window, 128000);
    assert.equal(target?.max_output_tokens, 16384);
    assert.deepEqual(target?.prices, {
      input_per_million: '0.12',
      output_per_million: '0.6',
      cache_read_per_million: '0.075',
    });
    assert.ok((target?.capabilities as string[] | undefined)?.includes('vision'));
    assert.equal(target?.deprecation_date, null);
  });

  test('adds nothing for a route the catalog knows nothing about', () => {
    assert.deepEqual(catalogModelExtension(() => live.current())(routes.get('local')!), {});
  });
});
