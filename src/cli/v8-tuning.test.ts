import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { missingLaunchFlags, SERVE_LAUNCH_FLAGS, servingV8Flags } from './v8-tuning.ts';

describe('SERVE_LAUNCH_FLAGS', () => {
  it('are what npm start launches the gateway with', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const launch = `node ${SERVE_LAUNCH_FLAGS.join(' ')} dist/switchyard.mjs serve`;
    assert.ok(
      manifest.scripts.start?.endsWith(launch),
      `package.json "start" should end with "${launch}", not "${manifest.scripts.start}"`,
    );
  });

  it('are flags this Node accepts (an unknown one stops it at launch)', () => {
    const output = execFileSync(
      process.execPath,
      [...SERVE_LAUNCH_FLAGS, '-p', 'require("node:v8").getHeapStatistics().total_heap_size > 0'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    assert.equal(output.trim(), 'true');
  });
});

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

describe('missingLaunchFlags', () => {
  it('names the launch flags a process was started without, whatever else it was given', () => {
    assert.deepEqual(missingLaunchFlags([]), [...SERVE_LAUNCH_FLAGS]);
    assert.deepEqual(missingLaunchFlags(['--inspect']), [...SERVE_LAUNCH_FLAGS]);
    assert.deepEqual(missingLaunchFlags(['--max-semi-space-size=8']), [], 'the operator chose a size');
    assert.deepEqual(missingLaunchFlags(['--max_semi_space_size=4']), []);
  });
});
