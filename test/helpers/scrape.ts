import assert from 'node:assert/strict';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

/** Scrapes `/metrics` and parses it with an independent Prometheus text-format parser. */
export async function scrape(baseUrl: string, token?: string): Promise<PrometheusFamily[]> {
  const response = await fetch(
    `${baseUrl}/metrics`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await response.text());
}

export function family(families: PrometheusFamily[], name: string): PrometheusFamily {
  const found = families.find((candidate) => candidate.name === name);
  assert.ok(found, `metric family ${name} is exposed`);
  return found;
}

/** The value of the one sample of `name` whose labels are exactly `labels`; 0 when there is none. */
export function sample(families: PrometheusFamily[], name: string, labels: Record<string, string>): number {
  const matches = family(families, name).metrics.filter((metric) => {
    const actual = metric.labels ?? {};
    const keys = new Set([...Object.keys(actual), ...Object.keys(labels)]);
    return [...keys].every((key) => (actual[key] ?? '') === (labels[key] ?? ''));
  });
  assert.ok(matches.length <= 1, `at most one ${name} series has labels ${JSON.stringify(labels)}`);
  return matches[0] === undefined ? 0 : Number(matches[0].value);
}
