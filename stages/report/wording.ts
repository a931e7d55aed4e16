// The service's standard wording (methodology §7, §8), one small pure function per branch, so
// every sentence the report can print is unit-tested. Numbers arrive unrounded; each function
// rounds exactly once, the way the service does (differences from unrounded values).
import { fixed, roundHalfAway, whole, type MeasureKind } from '../metrics/rounding.ts';

export type Tone = 'good' | 'bad' | 'neutral';

/** "offenders" -> "offender", "women" -> "woman", "people" -> "person". */
export function singular(term: string): string {
  const irregular: Record<string, string> = { people: 'person', women: 'woman', men: 'man', children: 'child' };
  const lower = term.toLowerCase();
  if (irregular[lower]) return irregular[lower]!;
  return lower.endsWith('s') ? term.slice(0, -1) : term;
}

/** "1 offence", "2 offences"; `plural` is the unit in the plural. */
export function count(n: string, plural: string): string {
  if (n !== '1') return `${n} ${plural}`;
  if (plural === 'offences') return `${n} offence`;
  if (plural === 'days') return `${n} day`;
  if (plural === 'sentences') return `${n} sentence`;
  return `${n} ${singular(plural)}`;
}

/** How a measure is shown in the headline text: per 100 people for rate and frequency. */
function per100(kind: MeasureKind): number {
  return kind === 'time' ? 1 : 100;
}

function unitFor(kind: MeasureKind, term: string): string {
  return kind === 'rate' ? term : kind === 'frequency' ? 'offences' : 'days';
}

/**
 * A bound's size as printed in a sentence: whole units, but never "0" for a bound that is not 0.
 * A whole number would turn -0.42 days into "0 days" and make an interval that includes zero read
 * as one that touches it (issue 20), so a bound that rounds to 0 is given to one decimal place,
 * or as "less than 0.1" when even that is 0.
 */
export function boundMagnitude(x: number, dp = 0): string {
  const v = Math.abs(x);
  if (roundHalfAway(v, dp) !== 0 || v === 0) return dp === 0 ? whole(v) : fixed(v, dp);
  if (roundHalfAway(v, dp + 1) !== 0) return fixed(v, dp + 1);
  return `less than ${(10 ** -(dp + 1)).toFixed(dp + 1)}`;
}

/** A signed bound as printed in a table cell: the table's decimals, one more near zero (see boundMagnitude). */
export function tableBound(kind: MeasureKind, x: number): string {
  const dp = kind === 'frequency' ? 2 : 0;
  const v = x * (kind === 'rate' ? 100 : 1);
  const m = boundMagnitude(v, dp);
  const sign = v < 0 ? '-' : '';
  if (m.startsWith('less than')) return `${sign}<${m.slice('less than '.length)}`;
  return `${sign}${m}`;
}

/** An interval as printed in Tables 1-7: "lo to hi", neither bound shown as 0 unless it is 0. */
export function tableIntervalText(kind: MeasureKind, lower: number, upper: number): string {
  return `${tableBound(kind, lower)} to ${tableBound(kind, upper)}`;
}

/**
 * The p-value as printed: 2 dp ("<0.01" when it rounds to 0), but 3 dp when 2 dp would print
 * 0.05, so that "0.05" never sits beside both "Yes" and "No".
 */
export function pText(p: number): string {
  const r2 = roundHalfAway(p, 2);
  if (r2 === 0) return '<0.01';
  if (r2 === 0.05) return fixed(p, 3);
  return r2.toFixed(2);
}

/** Why a result could flip with a small change in the data (p near 0.05, or a bound near zero). */
export interface Fragility {
  fragile: boolean;
  pNear: boolean;
  boundNearZero: boolean;
}

/**
 * A result is fragile when its p-value lies between 0.04 and 0.06, or when one end of its 95%
 * interval is within rounding of zero at the precision the report prints (half a percentage
 * point, half an offence per 100 people, half a day): one person more or fewer can then change
 * the verdict.
 */
export function fragility(kind: MeasureKind, lower: number, upper: number, p: number): Fragility {
  const perUnit = kind === 'time' ? 1 : 100;
  const near = (x: number) => Math.abs(x * perUnit) < 0.5;
  const pNear = p >= 0.04 && p <= 0.06;
  const boundNearZero = near(lower) || near(upper);
  return { fragile: pNear || boundNearZero, pNear, boundNearZero };
}

export function fragileNote(label: string, f: Fragility, p: number, nearBound: string | null): string {
  const why = [f.pNear ? `its p-value (${pText(p)}) is close to 0.05` : '', f.boundNearZero && nearBound ? `one end of its 95% interval (${nearBound}) is close to zero` : '']
    .filter(Boolean)
    .join(' and ');
  return `${label}: this result is fragile. Because ${why}, a small change in the data, such as one person more or fewer, could change whether the difference is statistically significant.`;
}

/** The difference as shown in the headline sentences: whole people/offences per 100, whole days. */
export function shownDifference(kind: MeasureKind, difference: number): number {
  return Math.abs(roundHalfAway(difference * per100(kind), 0));
}

// §8.2 Overall measurements -------------------------------------------------------------------

export function measurementTreatment(kind: MeasureKind, treatMean: number, difference: number, term: string): string {
  const d = shownDifference(kind, difference);
  const similar = d === 0;
  const lower = difference < 0;
  if (kind === 'rate') {
    const r = whole(treatMean * 100);
    const tail = similar ? 'similar to the comparison group.' : `${count(whole(d), term)} ${lower ? 'fewer' : 'more'} than in the comparison group.`;
    return `${r} of the 100 ${term} committed a proven reoffence within a one-year period (a rate of ${r}%), ${tail}`;
  }
  if (kind === 'frequency') {
    const tail = similar ? 'similar to the comparison group.' : `${count(whole(d), 'offences')} ${lower ? 'fewer' : 'more'} than in the comparison group.`;
    return `${whole(treatMean * 100)} proven reoffences were committed by these 100 ${term} during the year (a frequency of ${fixed(treatMean, 1)} offences per person), ${tail}`;
  }
  const tail = similar ? 'similar to the comparison group.' : `${count(whole(d), 'days')} ${lower ? 'earlier' : 'later'} than the comparison group.`;
  return `${whole(treatMean)} days was the average time before a reoffender committed their first proven reoffence, ${tail}`;
}

export function measurementComparison(kind: MeasureKind, compMean: number, term: string): string {
  if (kind === 'rate') {
    const r = whole(compMean * 100);
    return `${r} of the 100 ${term} committed a proven reoffence within a one-year period (a rate of ${r}%).`;
  }
  if (kind === 'frequency') {
    return `${whole(compMean * 100)} proven reoffences were committed by these 100 ${term} during the year (a frequency of ${fixed(compMean, 1)} offences per person).`;
  }
  return `${whole(compMean)} days was the average time before a reoffender committed their first proven reoffence.`;
}

export interface Icon {
  symbol: '▼' | '▲' | '=';
  tone: Tone;
  /** Text for screen readers and black-and-white print. */
  label: string;
}

/**
 * The arrow beside a measurement: its direction follows the treatment group relative to the
 * comparison group; green when the change is beneficial and significant, red when harmful and
 * significant, grey otherwise. For time, longer is beneficial.
 */
export function icon(kind: MeasureKind, difference: number, significant: boolean): Icon {
  if (shownDifference(kind, difference) === 0 && !significant) return { symbol: '=', tone: 'neutral', label: 'similar, not significant' };
  const down = difference < 0;
  const beneficial = kind === 'time' ? !down : down;
  const tone: Tone = !significant ? 'neutral' : beneficial ? 'good' : 'bad';
  const word = kind === 'time' ? (down ? 'shorter' : 'longer') : down ? 'lower' : 'higher';
  return { symbol: down ? '▼' : '▲', tone, label: `${word}, ${significant ? 'statistically significant' : 'not significant'}` };
}

// §8.3 Overall estimates -----------------------------------------------------------------------

export function estimateLead(kind: MeasureKind, term: string): string {
  if (kind === 'rate') return `The number of ${term} who commit a proven reoffence within one year after release could be`;
  if (kind === 'frequency') return 'The number of proven reoffences committed during the year could be';
  return 'On average, the time before an offender committed their first proven reoffence could be';
}

export const SIGNIFICANT_RESULT = 'This is a statistically significant result.';

/** Whether the interval excludes zero (the service's test for the wording branch). */
export function intervalExcludesZero(lower: number, upper: number): boolean {
  return lower > 0 || upper < 0;
}

/**
 * The confidence-interval phrase: "higher by between a and b <unit>. This is a statistically
 * significant result." / "lower by …" / "lower by as many as a <unit>, or higher by as many as b
 * <unit>. More <people> would need to be available for analysis in order to determine the
 * direction of this difference." Time uses shorter/longer. Returns the plain part and whether
 * the significance sentence follows (so the template can make it bold).
 */
export function ciPhrase(kind: MeasureKind, lower: number, upper: number, term: string): { text: string; significant: boolean; more: string | null } {
  const unit = unitFor(kind, term);
  const [down, up] = kind === 'time' ? ['shorter', 'longer'] : ['lower', 'higher'];
  const a = boundMagnitude(lower * per100(kind));
  const b = boundMagnitude(upper * per100(kind));
  if (lower > 0) return { text: `${up} by between ${a} and ${count(b, unit)}.`, significant: true, more: null };
  if (upper < 0) return { text: `${down} by between ${b} and ${count(a, unit)}.`, significant: true, more: null };
  return {
    text: `${down} by as many as ${count(a, unit)}, or ${up} by as many as ${count(b, unit)}.`,
    significant: false,
    more: `More ${term} would need to be available for analysis in order to determine the direction of this difference.`,
  };
}

// §8.4 What you can and cannot say ------------------------------------------------------------

const TOPIC: Record<MeasureKind, string> = {
  rate: 'the one-year reoffending rate',
  frequency: 'the one-year reoffending frequency',
  time: 'the time to first reoffence',
};

export function canSayHeading(kind: MeasureKind): string {
  return `What you can say about ${TOPIC[kind]}:`;
}

export function cannotSayHeading(kind: MeasureKind): string {
  return `What you cannot say about ${TOPIC[kind]}:`;
}

/** The quoted "can say" statement, from the difference's interval. */
export function canSay(kind: MeasureKind, lower: number, upper: number, org: string, term: string): string {
  const a = boundMagnitude(lower * per100(kind));
  const b = boundMagnitude(upper * per100(kind));
  const lead = kind === 'time' ? `This analysis provides evidence that support from ${org}` : `This analysis provides evidence that, for every 100 ${term}, support from ${org}`;
  if (kind === 'time') {
    if (lower > 0) return `${lead} lengthens the average time to first proven reoffence by between ${a} and ${count(b, 'days')}.`;
    if (upper < 0) return `${lead} shortens the average time to first proven reoffence by between ${b} and ${count(a, 'days')}.`;
    return `${lead} may shorten the average time to first proven reoffence by up to ${count(a, 'days')}, or may lengthen it by up to ${count(b, 'days')}.`;
  }
  const what = kind === 'rate' ? 'proven reoffenders' : 'proven reoffences';
  const unit = kind === 'rate' ? 'people' : 'offences';
  if (lower > 0) return `${lead} increases the number of ${what} during a one-year period by between ${a} and ${count(b, unit)}.`;
  if (upper < 0) return `${lead} decreases the number of ${what} during a one-year period by between ${b} and ${count(a, unit)}.`;
  return `${lead} may decrease the number of ${what} during a one-year period by up to ${count(a, unit)}, or may increase it by up to ${count(b, unit)}.`;
}

const SUBJECT: Record<MeasureKind, string> = {
  rate: 'the reoffending rate',
  frequency: 'the reoffending frequency',
  time: 'the time to first reoffence',
};

/**
 * The quoted "cannot say" statement: every claim the interval does not support. A significant
 * decrease cannot be called an increase or no effect, and so on; a non-significant result
 * supports none of the three.
 */
export function cannotSay(kind: MeasureKind, lower: number, upper: number, org: string): string {
  const [dec, inc] = kind === 'time' ? ['shortens', 'lengthens'] : ['decreases', 'increases'];
  const verbs = lower > 0 ? `${dec}/has no effect on` : upper < 0 ? `${inc}/has no effect on` : `${inc}/${dec}/has no effect on`;
  return `This analysis shows that ${org} ${verbs} ${SUBJECT[kind]} of its participants.`;
}

// §8.1 Summary ----------------------------------------------------------------------------------

export interface HeadlineResult {
  kind: MeasureKind;
  difference: number;
  significant: boolean;
}

const FINDING: Record<MeasureKind, { lower: string; higher: string }> = {
  rate: { lower: 'were less likely to reoffend', higher: 'were more likely to reoffend' },
  frequency: { lower: 'had a lower frequency of reoffending', higher: 'had a higher frequency of reoffending' },
  time: { lower: 'reoffended sooner', higher: 'took longer to reoffend' },
};

export const NOT_SIGNIFICANT_SUMMARY =
  "The overall results do not show that the programme had a statistically significant effect on a person's reoffending behaviour. More people would need to be analysed to determine the way in which the programme affects reoffending behaviour, but this should not be taken to mean that the programme fails to affect it.";

function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** The bold summary paragraph, from the headline measures that are shown. */
export function summarySentence(headline: HeadlineResult[]): string {
  const findings = headline.filter((h) => h.significant).map((h) => FINDING[h.kind][h.difference < 0 ? 'lower' : 'higher']);
  if (findings.length === 0) return NOT_SIGNIFICANT_SUMMARY;
  return `The overall results show that those who took part in the programme ${joinAnd(findings)} than those who did not.`;
}

export function introParagraph(o: { treated: number; term: string; period: string; org: string; notIncluded: number | null }): string {
  const first = `The headline analysis in this report measured proven reoffences in a one-year period for a 'treatment group' of ${whole(o.treated)} ${o.term} who received support some time ${o.period}, and for a much larger 'comparison group' of similar ${o.term} who did not receive it.`;
  const second = `The analysis estimates the impact of the support from ${o.org} on the reoffending behaviour of people who are similar to those in the treatment group.`;
  const third =
    o.notIncluded !== null && o.notIncluded > 0
      ? ` The support may have had a different impact on ${whole(o.notIncluded)} other participants whose details were submitted but who did not meet the minimum criteria for analysis.`
      : '';
  return `${first} ${second}${third}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "2019-01-01".."2020-12-31" -> "between January 2019 and December 2020". */
export function periodPhrase(from: string, to: string): string {
  const m = (d: string) => {
    const [y, mo] = d.split('-');
    return `${MONTHS[Number(mo) - 1]} ${y}`;
  };
  return m(from) === m(to) ? `in ${m(from)}` : `between ${m(from)} and ${m(to)}`;
}

/** "2024-05-01" -> "May 2024". */
export function monthYear(date: string): string {
  const [y, mo] = date.split('-');
  return `${MONTHS[Number(mo) - 1]} ${y}`;
}

// §7 gates in words -----------------------------------------------------------------------------

export const TIME_WITHHELD =
  'Time to first reoffence has not been included as a headline result due to low numbers of reoffenders, which could give misleading results.';

export const NOT_PUBLISHABLE =
  'This analysis did not meet the minimum criteria for publication: fewer than 60 people were in the treatment group. No reoffending results are given, to protect the people concerned and because results from so few people could be misleading.';

/**
 * number_needed is the treatment-group size that would give an 80% chance of a statistically
 * significant result if the observed difference were the true one (metrics/power.ts). The
 * methodology (§7) prints it only for a rate difference that is not significant.
 */
export function numberNeededSentence(n: number, term: string): string {
  return `Based on the current measurements, it is estimated that ${whole(n)} ${term} would be needed in the treatment group for an 80% chance of finding a statistically significant difference in the reoffending rate, if the difference observed here were the true one.`;
}

export const NUMBER_NEEDED_LABEL = 'treatment group size for an 80% chance of a significant result, if the observed difference were true';

export function withheldRowText(reason: string): string {
  switch (reason) {
    case 'treatment_group_below_60':
      return 'Not published: fewer than 60 people in the treatment group.';
    case 'fewer_than_30_reoffenders':
      return 'Not shown: fewer than 30 reoffenders in the treatment group.';
    case 'np_below_10':
      return 'Not shown: too few events (n × p below 10).';
    default:
      return 'Not shown: the difference could not be computed.';
  }
}

// §8.5 Significant results box ------------------------------------------------------------------

export function significantIntro(n: number, analyses: number): string {
  if (n === 0) return 'No measure shows a statistically significant result.';
  if (analyses > 1) return `There ${n === 1 ? 'is 1 statistically significant result' : `are ${n} statistically significant results`} among the analyses. ${n === 1 ? 'This provides' : 'These provide'} significant evidence that:`;
  return n === 1
    ? 'One measure shows a statistically significant result. This provides significant evidence that:'
    : `${n} measures show a statistically significant result. These provide significant evidence that:`;
}

/** One bullet of the box (half_1 + less/more | fewer/more | earlier/later + half_2). */
export function significantBullet(measure: string, lower: boolean, org: string): string {
  const who = `people who received support from ${org}`;
  const court = (type: string) =>
    `a ${lower ? 'lower' : 'higher'} proportion of reoffenders among ${who} had ${type} offence as their first proven reoffence than in the comparison group`;
  const courtFreq = (type: string) => `reoffenders among ${who} committed ${lower ? 'fewer' : 'more'} ${type} offences than those in the comparison group`;
  switch (measure) {
    case 'reoff':
      return `${who} were ${lower ? 'less' : 'more'} likely to reoffend than those in the comparison group`;
    case 'reoff_freq':
      return `${who} committed ${lower ? 'fewer' : 'more'} proven reoffences than those in the comparison group`;
    case 'days_to_first':
      return `reoffenders among ${who} committed their first proven reoffence ${lower ? 'earlier' : 'later'} than those in the comparison group`;
    case 'first_indictable':
      return court('an indictable');
    case 'first_either_way':
      return court('an either way');
    case 'first_summary':
      return court('a summary');
    case 'freq_indictable':
      return courtFreq('indictable');
    case 'freq_either_way':
      return courtFreq('either way');
    case 'freq_summary':
      return courtFreq('summary');
    case 'first_custody':
      return `a ${lower ? 'lower' : 'higher'} proportion of reoffenders among ${who} received a custodial sentence for their first proven reoffence than in the comparison group`;
    case 'custody_freq':
      return `reoffenders among ${who} received ${lower ? 'fewer' : 'more'} custodial sentences than those in the comparison group`;
    default:
      throw new Error(`no significant-result wording for ${measure}`);
  }
}

// Matching quality (§6.4) -----------------------------------------------------------------------

export type MatchQuality = 'well' | 'reasonable' | 'poor';

/**
 * Standardised difference in % (absolute): < 5 well, 5-10 reasonable, > 10 poor (methodology
 * §6.4). A mean can match while the spread does not, so the variance ratio after matching (numeric
 * variables) also counts: within 0.8-1.25 keeps "well", within 0.5-2 (Rubin 2001) at most
 * "reasonable", outside that "poor".
 */
export function matchQuality(absSmdPercent: number, varianceRatio: number | null = null): MatchQuality {
  const bySmd: MatchQuality = absSmdPercent < 5 ? 'well' : absSmdPercent <= 10 ? 'reasonable' : 'poor';
  if (varianceRatio === null) return bySmd;
  const byVr: MatchQuality = varianceRatio >= 0.8 && varianceRatio <= 1.25 ? 'well' : varianceRatio >= 0.5 && varianceRatio <= 2 ? 'reasonable' : 'poor';
  const rank: Record<MatchQuality, number> = { well: 0, reasonable: 1, poor: 2 };
  return rank[byVr] > rank[bySmd] ? byVr : bySmd;
}

export const MATCH_QUALITY_LABEL: Record<MatchQuality, string> = {
  well: 'Well matched',
  reasonable: 'Reasonably matched',
  poor: 'Poorly matched',
};

export function matchingSummary(counts: Record<MatchQuality, number>, poorNames: string[]): string {
  const total = counts.well + counts.reasonable + counts.poor;
  if (total === 0) return 'No matching variables were reported.';
  if (counts.well === total) return `All ${total} matching variables were well matched (standardised differences below 5% and variance ratios between 0.8 and 1.25).`;
  const parts = [`${counts.well} of ${total} matching variables were well matched (standardised differences below 5% and variance ratios between 0.8 and 1.25)`];
  if (counts.reasonable) parts.push(`${counts.reasonable} ${counts.reasonable === 1 ? 'was' : 'were'} reasonably matched (5% to 10%, or a variance ratio between 0.5 and 2)`);
  if (counts.poor) parts.push(`${counts.poor} ${counts.poor === 1 ? 'was' : 'were'} poorly matched (above 10%, or a variance ratio outside 0.5 to 2): ${poorNames.join(', ')}`);
  const tail = counts.poor ? ' Results should be read with the poorly matched variables in mind.' : '';
  return `${joinAnd(parts)}.${tail}`;
}
