// Usage reports from a running gateway: requests made through the OpenAI API show up, attributed
// and priced, in the admin report once the ledger has flushed them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

describe('usage reports end to end', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway();
  });
  after(() => gateway.close());

  test('requests appear in the report grouped by route, and admin access is enforced', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.clientKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'chat-default',
          messages: [{ role: 'user', content: `hello ${i} [[emulator:tokens=7]]` }],
        }),
      });
      assert.equal(response.status, 200);
    }
    const report = async () => {
      const response = await fetch(`${gateway.url}/admin/v1/usage/report?group_by=route`, {
        headers: { authorization: `Bearer ${gateway.adminKey}` },
      });
      assert.equal(response.status, 200);
      return (await response.json()) as {
        rows: Array<{ route: string; requests: number; output_tokens: number }>;
      };
    };
    // Records reach the database with the next batch flush (every 200 ms).
    let rows = (await report()).rows;
    const deadline = Date.now() + 5_000;
    while ((rows.find((row) => row.route === 'chat-default')?.requests ?? 0) < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = (await report()).rows;
    }
    const row = rows.find((candidate) => candidate.route === 'chat-default');
    assert.equal(row?.requests, 3);
    assert.equal(row?.output_tokens, 21);

    const forbidden = await fetch(`${gateway.url}/admin/v1/usage/report?group_by=route`, {
      headers: { authorization: `Bearer ${gateway.clientKey}` },
    });
    assert.equal(forbidden.status, 403);
  });
});
