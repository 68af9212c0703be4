import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { servingV8Flags } from './v8-tuning.ts';

describe('servingV8Flags', () => {
  it('caps heap growth everywhere and scavenges on one thread on two CPUs or fewer', () => {
    assert.deepEqual(servingV8Flags({ cpus: 2, launchFlags: [] }), [
      '--heap-growing-percent=25',
      '--no-parallel-scavenge',
    ]);
    assert.deepEqual(servingV8Flags({ cpus: 1, launchFlags: [] }), [
      '--heap-growing-percent=25',
      '--no-parallel-scavenge',
    ]);
  });

  it('keeps parallel scavenging where there are cores for it', () => {
    assert.deepEqual(servingV8Flags({ cpus: 8, launchFlags: [] }), ['--heap-growing-percent=25']);
  });

  it('leaves alone what the operator set at launch, in either polarity and either spelling', () => {
    assert.deepEqual(servingV8Flags({ cpus: 2, launchFlags: ['--parallel-scavenge'] }), [
      '--heap-growing-percent=25',
    ]);
    assert.deepEqual(servingV8Flags({ cpus: 2, launchFlags: ['--no-parallel_scavenge'] }), [
      '--heap-growing-percent=25',
    ]);
    assert.deepEqual(servingV8Flags({ cpus: 2, launchFlags: ['--heap-growing-percent=50', '--inspect'] }), [
      '--no-parallel-scavenge',
    ]);
  });
});
