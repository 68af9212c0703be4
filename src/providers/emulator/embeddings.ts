import { randomFrom } from './random.ts';
import { countTextTokens } from './tokens.ts';

export const DEFAULT_EMBEDDING_DIMENSIONS = 1536;

/**
 * A deterministic unit vector for (model, input): same input, same vector; different inputs give
 * unrelated vectors. Components are float32 values, as real embedding APIs return.
 */
export function embeddingVector(model: string, input: string | number[], dimensions: number): Float32Array {
  const random = randomFrom(
    'embedding',
    model,
    typeof input === 'string' ? input : `tokens:${input.join(',')}`,
  );
  const values = new Float64Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = random() * 2 - 1;
    values[i] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const vector = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) vector[i] = (values[i] as number) * scale;
  return vector;
}

/** The vector as OpenAI's base64 encoding: the float32 values, little-endian, base64-encoded. */
export function vectorToBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}

/**
 * The vector as JSON numbers: 9 significant digits is enough for every float32 to read back as
 * exactly the same float32, and keeps the body short.
 */
export function vectorToNumbers(vector: Float32Array): number[] {
  const numbers = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i++) numbers[i] = Number((vector[i] as number).toPrecision(9));
  return numbers;
}

export function embeddingInputTokens(input: string | number[]): number {
  return typeof input === 'string' ? countTextTokens(input) : input.length;
}
