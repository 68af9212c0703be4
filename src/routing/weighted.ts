/**
 * Orders items for attempts: a weighted random permutation (sampling without replacement), so the
 * first choice follows the weights and later attempts go to the others. Zero-weight items are
 * standbys: they come last, in declaration order.
 */
export function weightedOrder<T extends { weight: number }>(
  items: readonly T[],
  random: () => number = Math.random,
): T[] {
  if (items.length <= 1) return [...items];
  const pool = items.filter((item) => item.weight > 0);
  const standby = items.filter((item) => item.weight <= 0);
  const ordered: T[] = [];
  let total = pool.reduce((sum, item) => sum + item.weight, 0);
  while (pool.length > 0) {
    let pick = random() * total;
    let index = 0;
    for (; index < pool.length - 1; index++) {
      pick -= (pool[index] as T).weight;
      if (pick < 0) break;
    }
    const [chosen] = pool.splice(index, 1) as [T];
    total -= chosen.weight;
    ordered.push(chosen);
  }
  return ordered.concat(standby);
}
