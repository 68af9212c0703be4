import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { betaHeader } from './headers.ts';

describe('anthropic-beta header', () => {
  it('sends nothing when neither the operator nor the client asked for a beta', () => {
    assert.deepEqual(betaHeader({ 'x-org': 'a' }, undefined), {});
  });

  it("replaces the operator's header, whatever its case, with the union of both lists", () => {
    assert.deepEqual(
      betaHeader(
        { 'Anthropic-Beta': 'files-api-2025-04-14' },
        { 'anthropic-beta': 'files-api-2025-04-14,token-efficient-tools-2025-02-19' },
      ),
      { 'Anthropic-Beta': 'files-api-2025-04-14,token-efficient-tools-2025-02-19' },
    );
  });

  it("forwards the client's betas alone, trimmed and without empty entries", () => {
    assert.deepEqual(betaHeader({}, { 'anthropic-beta': ' a , ,b ' }), { 'anthropic-beta': 'a,b' });
  });
});
