import { type Random, randomInt } from './random.ts';

/**
 * The emulator's whole vocabulary. Every word is plain lowercase ASCII so replies are easy to read in
 * test output and never contain a stop sequence or JSON-special character by accident.
 */
const WORDS = [
  'signal',
  'gateway',
  'river',
  'lantern',
  'harbor',
  'meadow',
  'engine',
  'pattern',
  'quiet',
  'bright',
  'steady',
  'careful',
  'simple',
  'route',
  'switch',
  'track',
  'station',
  'window',
  'garden',
  'bridge',
  'orbit',
  'copper',
  'silver',
  'amber',
  'forest',
  'valley',
  'summit',
  'compass',
  'ledger',
  'archive',
  'answer',
  'question',
  'reason',
  'method',
  'measure',
  'balance',
  'moment',
  'journey',
  'patient',
  'gentle',
  'rapid',
  'clear',
  'modest',
  'useful',
  'open',
  'shared',
  'local',
  'remote',
  'early',
  'later',
  'always',
  'often',
  'rarely',
  'maybe',
  'surely',
  'and',
  'the',
  'a',
  'of',
  'to',
  'with',
  'for',
  'from',
  'over',
  'under',
  'between',
  'model',
  'token',
  'stream',
  'request',
  'reply',
  'record',
  'budget',
  'limit',
  'lattice',
  'policy',
  'team',
  'cluster',
  'replica',
  'ticket',
  'paper',
  'stone',
  'cloud',
  'ember',
  'tide',
  'spark',
  'thread',
  'needle',
  'canvas',
  'marble',
] as const;

const MIN_SENTENCE_WORDS = 12;
const MAX_SENTENCE_WORDS = 24;

function pickWord(random: Random): string {
  return WORDS[Math.floor(random() * WORDS.length)] as string;
}

/**
 * Exactly `count` word pieces forming one sentence: the first capitalised without a leading space,
 * the others with one, the last ending with a full stop. Each piece is one output token.
 */
export function wordPieces(random: Random, count: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < count; i++) {
    const word = pickWord(random);
    pieces.push(i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : ` ${word}`);
  }
  if (count > 0) pieces[count - 1] += '.';
  return pieces;
}

/** A sentence of 12 to 24 word pieces. */
export function sentencePieces(random: Random): string[] {
  return wordPieces(random, randomInt(random, MIN_SENTENCE_WORDS, MAX_SENTENCE_WORDS));
}
