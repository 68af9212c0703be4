/**
 * Which credential a `gemini` provider on Vertex AI signs in with. Exactly one may be set: with two,
 * which one wins would be a guess, and a leftover static token silently outliving a key file is the
 * kind of mistake that only shows an hour later. The config loader reports a problem with the path
 * of the field at fault; the provider refuses the same config when it is built another way.
 */

/** The provider fields this rule reads (structural, so the schema can use it without a cycle). */
export interface GoogleCredentialFields {
  type: string;
  project?: string | undefined;
  location?: string | undefined;
  access_token?: string | undefined;
  credentials_file?: string | undefined;
  credentials_json?: string | undefined;
  google_auth?: 'metadata' | undefined;
  google_metadata_url?: string | undefined;
}

export type VertexCredential =
  | { kind: 'access_token'; token: string }
  | { kind: 'credentials_file'; path: string }
  | { kind: 'credentials_json'; json: string }
  | { kind: 'metadata_server'; metadataUrl: string | undefined };

export type VertexCredentialChoice =
  | { ok: true; credential: VertexCredential }
  /** `field` is the setting at fault, when one is. */
  | { ok: false; problem: string; field?: keyof GoogleCredentialFields };

export const VERTEX_CREDENTIAL_NAMES =
  'access_token, credentials_file, credentials_json or google_auth: metadata';

/** A gemini provider goes to Vertex AI when it names a project or a location. */
export function isVertex(fields: GoogleCredentialFields): boolean {
  return fields.project !== undefined || fields.location !== undefined;
}

/** The single credential of a Vertex AI provider, or what is wrong with its settings. */
export function chooseVertexCredential(fields: GoogleCredentialFields): VertexCredentialChoice {
  if (fields.google_metadata_url && fields.google_auth !== 'metadata') {
    return {
      ok: false,
      problem: 'google_metadata_url applies only with google_auth: metadata',
      field: 'google_metadata_url',
    };
  }
  // Empty values count as unset, so `${VAR:-}` can leave a credential out.
  const given: VertexCredential[] = [];
  if (fields.access_token) given.push({ kind: 'access_token', token: fields.access_token });
  if (fields.credentials_file) given.push({ kind: 'credentials_file', path: fields.credentials_file });
  if (fields.credentials_json) given.push({ kind: 'credentials_json', json: fields.credentials_json });
  if (fields.google_auth === 'metadata')
    given.push({ kind: 'metadata_server', metadataUrl: fields.google_metadata_url || undefined });
  const [credential, second] = given;
  if (!credential)
    return { ok: false, problem: `Vertex AI needs one credential: ${VERTEX_CREDENTIAL_NAMES}` };
  if (second) {
    const names = given.map((each) => settingOf(each.kind));
    return {
      ok: false,
      problem: `Vertex AI takes exactly one credential, but ${names.slice(0, -1).join(', ')} and ${names.at(-1)} are ${names.length === 2 ? 'both' : 'all'} set; keep one`,
      field: settingOf(second.kind),
    };
  }
  return { ok: true, credential };
}

/**
 * The problem with a provider's Google credential settings, if any: a Vertex AI provider without
 * exactly one credential, or service-account settings on a Gemini API provider (which signs in with
 * `api_key` only, so they would be ignored).
 */
export function googleCredentialProblem(
  fields: GoogleCredentialFields,
): { problem: string; field?: keyof GoogleCredentialFields } | undefined {
  if (fields.type !== 'gemini') return undefined;
  if (isVertex(fields)) {
    const choice = chooseVertexCredential(fields);
    return choice.ok ? undefined : choice;
  }
  const stray = VERTEX_ONLY_FIELDS.find((field) => fields[field]);
  if (!stray) return undefined;
  return { problem: `${stray} is for Vertex AI: set project and location too, or remove it`, field: stray };
}

/** Settings only a Vertex AI provider reads (`access_token` predates this rule and stays tolerated). */
const VERTEX_ONLY_FIELDS = [
  'credentials_file',
  'credentials_json',
  'google_auth',
  'google_metadata_url',
] as const;

function settingOf(kind: VertexCredential['kind']): keyof GoogleCredentialFields {
  return kind === 'metadata_server' ? 'google_auth' : kind;
}
