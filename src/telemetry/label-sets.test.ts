import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedCache, labelSet, SeriesLabels } from './label-sets.ts';

describe('label sets', () => {
  it('keys a set by its values in order and freezes its labels', () => {
    const set = labelSet({ route: 'a', status: '2xx' });
    assert.equal(set.key, 'a\u00002xx');
    assert.ok(Object.isFrozen(set.labels));
  });

  it('builds each of a series’ sets once and hands the same one out after', () => {
    const series = new SeriesLabels({ endpoint: 'chat', route: 'r' }, '5xx');
    assert.deepEqual(series.outcome.labels, { endpoint: 'chat', route: 'r', status: '5xx' });
    assert.deepEqual(series.tokens('input').labels, { endpoint: 'chat', route: 'r', type: 'input' });
    assert.equal(series.tokens('input'), series.tokens('input'));
    assert.deepEqual(series.error('upstream_error').labels, {
      endpoint: 'chat',
      route: 'r',
      status: '5xx',
      error_kind: 'upstream_error',
    });
    assert.equal(series.error('upstream_error'), series.error('upstream_error'));
  });

  it('starts over once it holds its limit, so memory stays bounded', () => {
    const cache = new BoundedCache<number>(3);
    for (const key of ['a', 'b', 'c']) cache.set(key, 1);
    assert.equal(cache.size, 3);
    cache.set('d', 2);
    assert.equal(cache.size, 1);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('d'), 2);
  });
});
