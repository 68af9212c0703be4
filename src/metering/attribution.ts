/** Who a request's cost belongs to, read from the key's metadata, the request and its tags. */
export interface Attribution {
  user: string | null;
  app: string | null;
  team: string | null;
  costCenter: string | null;
  businessUnit: string | null;
  /** `k=v` (or bare) labels, the key's first, without duplicates. */
  tags: string[];
}

const MAX_LABEL_LENGTH = 256;
const MAX_TAGS = 64;

/**
 * Attribution from key metadata (`user`, `app`, `team`, `cost_center`, `business_unit`, `tags`) and
 * the request. The key's `user` wins over the request's `user` field: a key issued to a person cannot
 * bill someone else, while a shared application key names its end users per request.
 */
export function attributionOf(
  metadata: Record<string, unknown> | undefined,
  requestUser: string | undefined,
  requestTags: readonly string[],
): Attribution {
  const meta = metadata ?? {};
  const tags = [...new Set([...tagsOf(meta.tags), ...requestTags])].slice(0, MAX_TAGS);
  return {
    user: label(meta.user) ?? label(requestUser),
    app: label(meta.app),
    team: label(meta.team),
    costCenter: label(meta.cost_center),
    businessUnit: label(meta.business_unit),
    tags,
  };
}

function label(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed.slice(0, MAX_LABEL_LENGTH);
}

/** Key metadata tags may be a list (`["env=prod"]`), an object (`{ env: "prod" }`) or a `a=b,c=d` string. */
function tagsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(',').flatMap((tag) => label(tag) ?? []);
  if (Array.isArray(value)) return value.flatMap((tag) => label(tag) ?? []);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, tagValue]) => {
      const text = label(tagValue);
      return text === null ? [] : [`${key}=${text}`];
    });
  }
  return [];
}
