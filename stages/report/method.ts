// The method as it was done: every sentence here is generated from the propensity stage's own
// record of its model and matching (propensity.model), so the report never claims a covariate,
// a stratum or a setting that was not used. (It used to say "risks and needs where they were
// assessed" although no such variable was ever in the model.)
import { fixed, whole } from '../metrics/rounding.ts';
import type { ModelSummary } from './inputs.ts';

/** Register column names in words; anything else is shown as its name with spaces. */
const COVARIATE_WORDS: Record<string, string> = {
  age_index: 'age at the start of the one-year period',
  prev_offences: 'number of previous offences',
  prev_convictions: 'number of previous convictions',
  prev_cautions: 'number of previous cautions',
  prev_custody: 'number of previous custodial sentences',
  age_first_offence: 'age at first offence',
  offending_rate: 'rate of previous offending',
  sentence_months: 'sentence length',
  employed_days_1y: 'days in employment in the year before',
  benefit_days_1y: 'days on out-of-work benefits in the year before',
  index_year: 'year of the sentence or caution',
  ethnicity: 'ethnicity',
  nationality: 'nationality',
  region: 'region',
  index_offence_type: 'type of offence',
  gender: 'sex',
  sentence_type: 'sentence type (custody or community)',
};

export function covariateWords(name: string): string {
  if (COVARIATE_WORDS[name]) return COVARIATE_WORDS[name]!;
  // Transformed terms keep their variable's words: log1p(prev_offences) -> "number of previous offences (log)".
  const inner = /^([a-z0-9_]+)\(([a-z0-9_]+)\)$/i.exec(name);
  if (inner && COVARIATE_WORDS[inner[2]!]) return `${COVARIATE_WORDS[inner[2]!]} (${inner[1]})`;
  return name.replace(/_/g, ' ');
}

/** Balance rows are named "column" or "column=level": the column in words, the level as written. */
export function balanceVariableWords(name: string): string {
  const eq = name.indexOf('=');
  if (eq < 0) return covariateWords(name);
  const words = covariateWords(name.slice(0, eq));
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}: ${name.slice(eq + 1).replace(/_/g, ' ')}`;
}

function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export interface MethodView {
  /** The sentences of "Results in detail" that say how the comparison group was built. */
  sentences: string[];
  /** The short box on weights, caliper, one-to-many matching and effective size. */
  box: { title: string; paragraphs: string[] };
  /** For the caveats: what the matching accounts for, in one sentence. */
  matchedOn: string;
  /** The settings, for the results file. */
  covariates: string[];
  exact: string[];
  matching: 'caliper' | 'nearest';
  caliper: number | null;
  caliperWidth: number | null;
  ratio: number | null;
  replace: boolean;
  missingTreated: number;
  offSupport: number;
}

export function buildMethod(model: ModelSummary, sizes: { treatment: number; comparison: number; effective: number | null; weightSum: number | null }, analyses: number): MethodView {
  const covs = model.covariates.map((c) => covariateWords(c.name));
  const exact = model.exact.map(covariateWords);
  const scale = model.distance === 'logit' ? 'propensity score (on the logit scale)' : 'propensity score';
  const sentences = [
    `${analyses} ${analyses === 1 ? 'analysis was' : 'analyses were'} conducted. The comparison group was chosen by propensity score matching: a logistic regression estimated each person's chance of being in the treatment group from ${covs.length} characteristics recorded in the national offender register: ${joinAnd(covs)}.`,
  ];
  if (exact.length) sentences.push(`People were also matched exactly on ${joinAnd(exact)}: each person in the treatment group was compared only with people who had the same ${joinAnd(exact.map((e) => e.replace(/ \(.*\)$/, '')))}.`);
  if (model.method === 'caliper') {
    sentences.push(
      `Each person in the treatment group was matched, with replacement, to every person not in it whose ${scale} lay within ${model.caliper === null ? 'a fixed distance' : `${fixed(model.caliper, 2).replace(/0$/, '')} standard deviations`} of their own${model.caliperWidth === null ? '' : ` (a caliper of ${fixed(model.caliperWidth, 3)})`}.`,
    );
  } else {
    sentences.push(
      `Each person in the treatment group was matched to the ${model.ratio === 1 || model.ratio === null ? 'nearest person' : `${model.ratio} nearest people`} not in it by ${scale}, ${model.replace ? 'with' : 'without'} replacement${model.caliper === null ? '' : `, within ${fixed(model.caliper, 2)} standard deviations`}.`,
    );
  }
  const lostMissing = model.missingTreated;
  const lostSupport = model.counts.treatedOffSupport;
  if (lostMissing || lostSupport) {
    const parts = [];
    if (lostMissing) parts.push(`${whole(lostMissing)} ${lostMissing === 1 ? 'person' : 'people'} lacked a matching characteristic (${joinAnd(Object.keys(model.missingByCovariate).map(covariateWords))})`);
    if (lostSupport) parts.push(`${whole(lostSupport)} had nobody similar enough to match`);
    sentences.push(`${joinAnd(parts)}, so ${lostMissing + lostSupport === 1 ? 'was' : 'were'} left out of the treatment group.`);
  }

  const effective = sizes.effective;
  const box = {
    title: 'How the comparison group is weighted',
    paragraphs: [
      model.method === 'caliper'
        ? `Matching is one-to-many: a person in the treatment group is matched to everyone within the caliper, often dozens of people, and a person in the comparison group can be matched to several people in the treatment group.`
        : `A person in the comparison group can be matched to several people in the treatment group.`,
      `Each person in the treatment group counts once. Their matches share a weight of 1 between them, and a person matched to several people in the treatment group adds up their shares, so the weights of the ${whole(sizes.comparison)} people in the comparison group add up to ${sizes.weightSum === null ? 'the size of the treatment group' : whole(sizes.weightSum)}, the size of the treatment group. Comparison-group rates and averages are weighted in this way: they cannot be found by dividing the unweighted counts.`,
      effective === null
        ? `Because the weights are unequal, the comparison group carries less information than its number of people suggests.`
        : `Because the weights are unequal, the comparison group carries the statistical information of fewer people than it contains: its effective size, (sum of weights)² ÷ (sum of squared weights), is ${whole(effective)} of ${whole(sizes.comparison)} people. The tests and confidence intervals use the effective size.`,
    ],
  };
  const matchedOn = `The comparison group is matched on these characteristics recorded in the national offender register: ${joinAnd([...covs, ...exact])}.`;
  return {
    sentences, box, matchedOn,
    covariates: model.covariates.map((c) => c.name), exact: model.exact, matching: model.method,
    caliper: model.caliper, caliperWidth: model.caliperWidth, ratio: model.ratio, replace: model.replace,
    missingTreated: model.missingTreated, offSupport: model.counts.treatedOffSupport,
  };
}
