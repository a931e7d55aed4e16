// The treatment-group profile (methodology §10.1 item 11): sex, ethnicity, nationality and age,
// as counts and whole percentages, with small cells suppressed before anything leaves the stage.
import { roundHalfAway } from './rounding.ts';
import { suppress, type SuppressedCell } from './suppression.ts';
import { sum } from './weighted.ts';

export interface ProfileCell {
  category: string;
  /** null when suppressed. */
  count: number | null;
  /** Whole percentage of the treatment group; null when suppressed. */
  percent: number | null;
  suppressed: boolean;
}

export interface ProfileSection {
  section: 'sex' | 'ethnicity' | 'nationality' | 'age_band';
  total: number;
  cells: ProfileCell[];
}

export interface Profile {
  n: number;
  sections: ProfileSection[];
  /** Mean age in completed years at the start of the one-year period; null when too few people. min and max are always null (disclosure.ts). */
  age: { min: number | null; max: number | null; mean: number | null; known: number };
}

/**
 * The box "Participants not included in analysis": the same breakdowns for the cohort people
 * outside the treatment group. Sex and age are the provider's; ethnicity and nationality are the
 * register's, unknown for people it does not hold (`n - in_register` of them).
 */
export interface NotIncluded extends Profile {
  /** null when it, or the people the register does not hold, would be a small count. */
  in_register: number | null;
}

/** Display order and labels; values outside the contract's lists follow, sorted. */
const ORDER: Record<ProfileSection['section'], [string, string][]> = {
  sex: [['M', 'Male'], ['F', 'Female'], ['Unknown', 'Unknown']],
  ethnicity: [['White', 'White'], ['Black', 'Black'], ['Asian', 'Asian'], ['Mixed', 'Mixed'], ['Other', 'Other'], ['Unknown', 'Unknown']],
  nationality: [['UK', 'UK national'], ['Non-UK', 'Foreign national'], ['Unknown', 'Unknown']],
  age_band: [['Under 18', 'Under 18'], ['18 to 20', '18 to 20'], ['21 to 24', '21 to 24'], ['25 to 29', '25 to 29'], ['30 to 39', '30 to 39'], ['40 to 49', '40 to 49'], ['50 and over', '50 and over'], ['Unknown', 'Unknown']],
};

const ONLY_WHEN_PRESENT = new Set(['Unknown', 'Under 18']);

export function buildSection(section: ProfileSection['section'], counts: { category: string; n: number }[], threshold?: number): ProfileSection {
  const byKey = new Map(counts.map((c) => [c.category, c.n]));
  const cells: { category: string; count: number }[] = ORDER[section].map(([key, label]) => ({ category: label, count: byKey.get(key) ?? 0 }));
  const known = new Set(ORDER[section].map(([k]) => k));
  for (const c of [...counts].sort((a, b) => (a.category < b.category ? -1 : a.category > b.category ? 1 : 0))) {
    if (!known.has(c.category)) cells.push({ category: c.category, count: c.n });
  }
  const total = cells.reduce((s, c) => s + c.count, 0);
  // Drop empty "Unknown", "Under 18" and unlisted rows: they say nothing. Other listed
  // categories stay, even at 0.
  const kept = cells.filter((c, i) => c.count > 0 || (i < ORDER[section].length && !ONLY_WHEN_PRESENT.has(ORDER[section][i]![0])));
  const suppressed: SuppressedCell[] = suppress(kept, threshold);
  return {
    section,
    total,
    cells: suppressed.map((c) => ({
      category: c.category,
      count: c.suppressed ? null : c.count,
      percent: c.suppressed || total === 0 ? null : roundHalfAway((100 * c.count) / total, 0),
      suppressed: c.suppressed,
    })),
  };
}

export function buildAge(ages: number[], minPeople: number): Profile['age'] {
  // No minimum or maximum, ever: the extremes describe single people, and beside a suppressed band
  // they reveal it (disclosure.ts). The bands carry the spread; the mean only with enough ages.
  if (ages.length < minPeople) return { min: null, max: null, mean: null, known: ages.length };
  return { min: null, max: null, mean: roundHalfAway(sum(ages) / ages.length, 0), known: ages.length };
}
