// The README's first command, as a new user runs it: the built gateway started with no config file
// and no keys, in an empty directory. It prints its keys once, serves the emulator, and a second
// start against the same data prints nothing secret.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const root = join(import.meta.dirname, '..');

function start(cwd: string): Promise<{ child: ChildProcess; output: () => string; url: string }> {
  const child = spawn(
    process.execPath,
    [join(root, 'dist/switchyard.mjs'), 'serve', '--port', '0', '--host', '127.0.0.1'],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 30_000);
    const check = setInterval(() => {
      const match = /Switchyard listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({ child, output: () => output, url: match[1] as string });
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('quickstart (built gateway, no configuration)', () => {
  let dir: string;
  before(() => {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root });
    dir = mkdtempSync(join(tmpdir(), 'switchyard-quickstart-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('first start prints keys and a curl line once; the key works; a restart prints no keys', async () => {
    const first = await start(dir);
    try {
      const output = first.output();
      const clientKey = /Client key: (sk-sy-\S+)/.exec(output)?.[1];
      assert.ok(clientKey, 'the client key is printed');
      assert.match(output, /Admin key: {2}sk-sy-/);
      assert.match(output, /curl http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/);
      assert.ok(existsSync(join(dir, '.switchyard', 'switchyard.db')), 'SQLite lives under .switchyard/');
      const response = await fetch(`${first.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'Hello!' }] }),
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      assert.ok(body.choices[0]?.message.content.length);
    } finally {
      await stop(first.child);
    }
    const second = await start(dir);
    try {
      assert.doesNotMatch(second.output(), /sk-sy-/, 'keys are shown only on the first start');
    } finally {
      await stop(second.child);
    }
  });
});
