import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from './load.ts';

const VERTEX = { name: 'vertex', type: 'gemini', project: 'acme-ai', location: 'europe-west4' };
const KEY_JSON = '{"type":"service_account"}';

function parseProvider(fields: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  return parseConfig({ providers: [{ ...VERTEX, ...fields }] }, env).providers[0];
}

/** The issues the config loader reports for one provider with these fields. */
function issuesOf(fields: Record<string, unknown>): string[] {
  try {
    parseProvider(fields);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('config: Vertex AI credentials', () => {
  it('accepts each credential on its own', () => {
    for (const fields of [
      { access_token: 'ya29.static' },
      { credentials_file: '/etc/switchyard/vertex-key.json' },
      { credentials_json: KEY_JSON },
      { google_auth: 'metadata' },
      { google_auth: 'metadata', google_metadata_url: 'http://127.0.0.1:8181' },
    ]) {
      const provider = parseProvider(fields) as Record<string, unknown>;
      for (const [field, value] of Object.entries(fields)) assert.equal(provider[field], value, field);
    }
  });

  it('refuses a Vertex AI provider without a credential', () => {
    assert.deepEqual(issuesOf({}), [
      'providers[0]: Vertex AI needs one credential: access_token, credentials_file, credentials_json or google_auth: metadata',
    ]);
  });

  it('refuses two or more credentials, naming them', () => {
    assert.deepEqual(issuesOf({ access_token: 'ya29.static', credentials_file: '/etc/key.json' }), [
      'providers[0].credentials_file: Vertex AI takes exactly one credential, but access_token and credentials_file are both set; keep one',
    ]);
    assert.deepEqual(
      issuesOf({ credentials_file: '/etc/key.json', credentials_json: KEY_JSON, google_auth: 'metadata' }),
      [
        'providers[0].credentials_json: Vertex AI takes exactly one credential, but credentials_file, credentials_json and google_auth are all set; keep one',
      ],
    );
  });

  it('never repeats the inline key in an error', () => {
    const secret = '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nMIIEsecret"}';
    const issues = issuesOf({ access_token: 'ya29.static', credentials_json: secret });
    assert.equal(issues.length, 1);
    assert.ok(!issues[0]?.includes('MIIEsecret'));
    assert.ok(!issues[0]?.includes('ya29.static'));
  });

  it('treats an empty value as unset, so an optional variable can leave a credential out', () => {
    const provider = parseProvider(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own interpolation syntax
      { credentials_json: '${GOOGLE_CREDENTIALS:-}', google_auth: 'metadata' },
      { GOOGLE_CREDENTIALS: '' },
    );
    assert.equal(provider?.google_auth, 'metadata');
  });

  it('takes google_metadata_url only with google_auth: metadata', () => {
    assert.deepEqual(
      issuesOf({ access_token: 'ya29.static', google_metadata_url: 'http://127.0.0.1:8181' }),
      ['providers[0].google_metadata_url: google_metadata_url applies only with google_auth: metadata'],
    );
  });

  it('knows only the metadata value of google_auth', () => {
    const [issue] = issuesOf({ google_auth: 'application_default' });
    assert.match(issue ?? '', /^providers\[0\]\.google_auth: .*"metadata"/);
  });

  it('refuses service-account settings on a Gemini API provider, where they would be ignored', () => {
    assert.throws(
      () =>
        parseConfig(
          {
            providers: [
              { name: 'studio', type: 'gemini', api_key: 'AIza-key', credentials_file: '/etc/key.json' },
            ],
          },
          {},
        ),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.join() ===
          'providers[0].credentials_file: credentials_file is for Vertex AI: set project and location too, or remove it',
    );
  });
});
