import { z } from 'zod';
import { type Random, randomFrom } from './random.ts';

/**
 * Fault rules make the emulator misbehave on purpose. Rules are checked in order for every API
 * request; the first that matches applies. See docs/emulator.md for each field with an example.
 */
const faultRuleSchema = z.strictObject({
  match: z
    .strictObject({
      model: z.string().optional(),
      path: z.string().optional(),
    })
    .optional(),
  status: z.number().int().min(400).max(599).optional(),
  body: z.record(z.string(), z.unknown()).optional(),
  retryAfterSeconds: z.number().nonnegative().optional(),
  rate: z.number().min(0).max(1).optional(),
  skip: z.number().int().nonnegative().optional(),
  times: z.number().int().nonnegative().optional(),
  slowHeadersMs: z.number().int().nonnegative().optional(),
  disconnectBeforeHeaders: z.boolean().optional(),
  disconnectAfterChunks: z.number().int().nonnegative().optional(),
  errorAfterChunks: z.number().int().nonnegative().optional(),
  ttftMs: z.number().int().nonnegative().optional(),
  tokensPerSecond: z.number().nonnegative().optional(),
});

export type FaultRule = z.infer<typeof faultRuleSchema>;

const faultListSchema = z.array(faultRuleSchema);

/** Validates rules from JSON or code; throws an Error naming the offending field. */
export function parseFaultRules(value: unknown): FaultRule[] {
  const result = faultListSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue
    ? issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')
    : '';
  throw new Error(`Invalid fault rule faults${where}: ${issue?.message ?? 'invalid'}`);
}

/** What a request looks like to the rules. */
export interface FaultTarget {
  path: string;
  model: string | undefined;
  stream: boolean;
}

interface RuleState {
  rule: FaultRule;
  random: Random;
  /** Requests that matched the rule's filter (counted for `skip`). */
  seen: number;
  /** Times the rule was applied (counted for `times`). */
  applied: number;
}

/** The active rules and their counters. A new set (or a reset) starts every counter and PRNG afresh. */
export class FaultSet {
  private states: RuleState[];

  constructor(rules: FaultRule[], seed: number) {
    this.states = rules.map((rule, index) => ({
      rule,
      random: randomFrom('fault', String(seed), String(index)),
      seen: 0,
      applied: 0,
    }));
  }

  get rules(): FaultRule[] {
    return this.states.map((state) => state.rule);
  }

  /** The rule that applies to this request, if any; updates the rules' counters. */
  match(target: FaultTarget): FaultRule | undefined {
    for (const state of this.states) {
      const { rule } = state;
      if (!filterMatches(rule, target)) continue;
      state.seen++;
      if (state.seen <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && state.applied >= rule.times) continue;
      if (rule.rate !== undefined && !(state.random() < rule.rate)) continue;
      state.applied++;
      return rule;
    }
    return undefined;
  }
}

function filterMatches(rule: FaultRule, target: FaultTarget): boolean {
  if (rule.match?.model !== undefined && rule.match.model !== target.model) return false;
  if (rule.match?.path !== undefined && rule.match.path !== target.path) return false;
  // A rule whose only misbehaviour is mid-stream has nothing to do to a whole response.
  return target.stream || !isStreamOnly(rule);
}

function isStreamOnly(rule: FaultRule): boolean {
  const streamFault = rule.disconnectAfterChunks !== undefined || rule.errorAfterChunks !== undefined;
  return streamFault && rule.status === undefined && rule.disconnectBeforeHeaders !== true;
}
