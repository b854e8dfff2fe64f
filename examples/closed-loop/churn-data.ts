/**
 * A seeded, churn-like customer table with a season. In summer, churn follows charges, support
 * calls, short tenure and monthly contracts. In winter two things change at once (what the demo's
 * monitoring must notice): bills rise with heating bundles and support calls pile up (covariate
 * drift), and northern customers on high bills leave far more often (the concept itself moves,
 * so the summer model's accuracy drops until it is retrained on winter labels).
 */
export type Season = 'summer' | 'winter';

export interface Customer {
  tenure_months: number;
  monthly_charges: number;
  support_calls: number;
  contract: 'monthly' | 'annual' | 'two_year';
  region: 'north' | 'south' | 'east' | 'west';
  /** Not a model input: the gate's fairness check groups by it. */
  gender: 'f' | 'm';
}

export interface LabelledCustomer extends Customer {
  churned: 'yes' | 'no';
}

/** The model's inputs, in order (gender is kept out on purpose). */
export const featureColumns = [
  'tenure_months',
  'monthly_charges',
  'support_calls',
  'contract',
  'region',
] as const;

/** mulberry32: same seed, same customers. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[], weights: readonly number[]): T {
  let r = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) {
    r -= weights[i] as number;
    if (r <= 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

/** `rows` customers of a season, each with the churn outcome the season's rules draw. */
export function generateCustomers(rows: number, season: Season, seed: number): LabelledCustomer[] {
  const random = seeded(seed);
  const winter = season === 'winter';
  const customers: LabelledCustomer[] = [];
  for (let i = 0; i < rows; i++) {
    const contract = pick(random, ['monthly', 'annual', 'two_year'] as const, [5, 3, 2]);
    const region = pick(random, ['north', 'south', 'east', 'west'] as const, [3, 2, 2, 2]);
    const tenure = Math.round(random() * 72);
    const charges = Math.round((35 + random() * 70 + (winter ? 22 + random() * 10 : 0)) * 100) / 100;
    const calls = Math.floor(random() * (winter ? 9 : 6));
    const contractEffect = contract === 'monthly' ? 1.1 : contract === 'annual' ? -0.4 : -1.4;
    let logit = -0.6 + 0.035 * (charges - 70) + 0.4 * calls - 0.045 * tenure + contractEffect;
    if (winter) {
      // Northern winter bills: the rule the summer model never saw.
      logit += region === 'north' && charges > 95 ? 3 : -0.6;
      logit -= 0.035 * (charges - 70) * 0.8;
    }
    const noise = Math.log(random() / (1 - random() + 1e-12) + 1e-12) * 0.35;
    customers.push({
      tenure_months: tenure,
      monthly_charges: charges,
      support_calls: calls,
      contract,
      region,
      gender: random() < 0.5 ? 'f' : 'm',
      churned: logit + noise > 0 ? 'yes' : 'no',
    });
  }
  return customers;
}

/** Customers as CSV (header first); gender only when the rows have it. */
export function toCsv(rows: ReadonlyArray<Omit<LabelledCustomer, 'gender'> & { gender?: string }>): string {
  const columns: string[] = [
    ...featureColumns,
    ...(rows[0]?.gender === undefined ? [] : ['gender']),
    'churned',
  ];
  const cell = (row: Record<string, unknown>, c: string) => String(row[c]);
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => cell(r, c)).join(','))].join('\n')}\n`;
}

/** A customer as a model request: the features only. */
export function requestOf(customer: Customer): Record<string, unknown> {
  return Object.fromEntries(featureColumns.map((c) => [c, customer[c]]));
}
