// The eleven tested measures (methodology §5.2), in report order. `favourable` says which
// direction is good news for the programme; court-outcome mixes have no good direction.
import type { MeasureKind } from './rounding.ts';

export type MeasureId =
  | 'reoff' | 'reoff_freq' | 'days_to_first'
  | 'first_indictable' | 'first_either_way' | 'first_summary'
  | 'freq_indictable' | 'freq_either_way' | 'freq_summary'
  | 'first_custody' | 'custody_freq';

export interface MeasureDef {
  id: MeasureId;
  /** Table number in the standard report (1-7). */
  table: number;
  kind: MeasureKind;
  population: 'all' | 'reoffenders';
  favourable: 'lower' | 'higher' | null;
  /** Court outcome category for Tables 4-5, else null. */
  court: 'Indictable' | 'Either way' | 'Summary' | null;
  label: string;
}

export const MEASURES: readonly MeasureDef[] = [
  { id: 'reoff', table: 1, kind: 'rate', population: 'all', favourable: 'lower', court: null, label: 'Rate of reoffending' },
  { id: 'reoff_freq', table: 2, kind: 'frequency', population: 'all', favourable: 'lower', court: null, label: 'Frequency of reoffending' },
  { id: 'days_to_first', table: 3, kind: 'time', population: 'reoffenders', favourable: 'higher', court: null, label: 'Time to first reoffence' },
  { id: 'first_indictable', table: 4, kind: 'rate', population: 'reoffenders', favourable: null, court: 'Indictable', label: 'Rate of first reoffence by court outcome: indictable' },
  { id: 'first_either_way', table: 4, kind: 'rate', population: 'reoffenders', favourable: null, court: 'Either way', label: 'Rate of first reoffence by court outcome: either way' },
  { id: 'first_summary', table: 4, kind: 'rate', population: 'reoffenders', favourable: null, court: 'Summary', label: 'Rate of first reoffence by court outcome: summary' },
  { id: 'freq_indictable', table: 5, kind: 'frequency', population: 'reoffenders', favourable: null, court: 'Indictable', label: 'Frequency of reoffences by court outcome: indictable' },
  { id: 'freq_either_way', table: 5, kind: 'frequency', population: 'reoffenders', favourable: null, court: 'Either way', label: 'Frequency of reoffences by court outcome: either way' },
  { id: 'freq_summary', table: 5, kind: 'frequency', population: 'reoffenders', favourable: null, court: 'Summary', label: 'Frequency of reoffences by court outcome: summary' },
  { id: 'first_custody', table: 6, kind: 'rate', population: 'reoffenders', favourable: 'lower', court: null, label: 'Rate of custodial sentencing for first reoffence' },
  { id: 'custody_freq', table: 7, kind: 'frequency', population: 'reoffenders', favourable: 'lower', court: null, label: 'Frequency of custodial sentencing' },
];

export const MEASURE_IDS: readonly MeasureId[] = MEASURES.map((m) => m.id);

export function measureDef(id: MeasureId): MeasureDef {
  const def = MEASURES.find((m) => m.id === id);
  if (!def) throw new Error(`unknown measure ${id}`);
  return def;
}
