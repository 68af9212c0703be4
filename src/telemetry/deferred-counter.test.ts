import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { DeferredCounter } from './deferred-counter.ts';
import { labelSet } from './label-sets.ts';

describe('DeferredCounter', () => {
  it('adds pending sums per label set when the counter is read, and never twice', async () => {
    const registry = new Registry();
    const counter = new Counter({
      name: 'calls_total',
      help: 'calls',
      labelNames: ['route'],
      registers: [registry],
    });
    const deferred = new DeferredCounter(counter);
    deferred.inc(labelSet({ route: 'a' }));
    deferred.inc(labelSet({ route: 'a' }), 2);
    deferred.inc(labelSet({ route: 'b' }));
    const values = async () =>
      Object.fromEntries((await counter.get()).values.map((value) => [value.labels.route, value.value]));
    assert.deepEqual(await values(), { a: 3, b: 1 });
    assert.deepEqual(await values(), { a: 3, b: 1 }, 'a second read adds nothing');
    deferred.inc(labelSet({ route: 'b' }), 4);
    assert.match(await registry.metrics(), /calls_total\{route="b"\} 5/);
  });
});
