// Default settings of the synthetic world. Changing any of them changes the committed demo
// request (data/requests/123), so bump GENERATOR_VERSION and regenerate it when you do.

export const GENERATOR_VERSION = 3;
export const DEFAULT_SEED = 20240531;
export const DEFAULT_PEOPLE = 200_000;
/** The register is an extract taken on this date: nothing after it is known. */
export const EXTRACT_DATE = '2024-12-31';
/** One year of follow-up plus the six-month waiting period for proof. */
export const FOLLOW_UP_DAYS = 548;

export type SentenceType = 'custody' | 'community' | 'suspended' | 'caution';

export interface ProgrammeSpec {
  /** The request id it becomes, e.g. '123'. */
  id: string;
  /** How many register people took part (the cohort file also gets the injected extra rows). */
  cohort: number;
  /** True effect on the one-year reoffending probability, in percentage points (e.g. -5). */
  effectPp: number;
  /** Index events (release, sentence start, caution) of participants fall in this period. */
  period: { from: string; to: string };
  sentenceTypes?: SentenceType[];
  minAge?: number;
}

/** Rates of the errors injected into an upload cohort. Each is a probability per eligible row. */
export interface ErrorRates {
  /** One letter changed, dropped, added or swapped in the surname or forename. */
  typo: number;
  /** Forename replaced by a nickname, among rows whose forename has one (Bill for William). */
  nickname: number;
  /** Day and month of the date of birth swapped, among rows with day <= 12 and day != month. */
  swappedDayMonth: number;
  /** Two adjacent differing digits of the PNC serial swapped, among rows that carry a PNC id. */
  transposedDigits: number;
  /** PNC id left blank, among rows whose person has one. */
  missingPnc: number;
  /** Intervention dates off by one to three years. */
  wrongInterventionDate: number;
  /** Extra rows for people who are not in the register, as a share of participants. */
  notInRegister: number;
  /** Extra copies of rows, as a share of participants. */
  duplicate: number;
  /** Surname sent in the forename column and the other way round. */
  nameOrder?: number;
  /** Date of birth left blank (intake rejects such rows: 0 by default, set in linkage tests). */
  missingDob?: number;
}

export const DEFAULT_ERROR_RATES: ErrorRates = {
  typo: 0.05,
  nickname: 0.1,
  swappedDayMonth: 0.03,
  transposedDigits: 0.05,
  missingPnc: 0.7,
  wrongInterventionDate: 0.03,
  notInRegister: 0.03,
  duplicate: 0.02,
  nameOrder: 0.02,
  missingDob: 0,
};

export const DEMO_PROGRAMME: ProgrammeSpec = {
  id: '123',
  cohort: 600,
  effectPp: -5,
  period: { from: '2019-01-01', to: '2021-12-31' },
  sentenceTypes: ['custody', 'community', 'suspended'],
  minAge: 18,
};

/** The national-scale benchmark request (`--request-size 58000`). */
export function nationalProgramme(cohort: number): ProgrammeSpec {
  return { ...DEMO_PROGRAMME, id: 'national', cohort };
}
