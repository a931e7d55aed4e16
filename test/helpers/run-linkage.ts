// The linkage as the DAG runs it, outside the runner: the linkage-model stage on a register
// folder, then the linkage stage on a cohort with that model (and, to test the row-level memo,
// the outputs of an earlier linkage run offered as `previous`).
import { join } from 'node:path';
import modelStage from '../../stages/linkage/model-stage.ts';
import linkageStage from '../../stages/linkage/stage.ts';
import { runStageDirect, type DirectRun } from './run-stage.ts';

const MODEL_URL = new URL('../../stages/linkage/model-stage.ts', import.meta.url).href;
const LINKAGE_URL = new URL('../../stages/linkage/stage.ts', import.meta.url).href;

/** The linkage-model stage on the register folder `reference`. */
export function runLinkageModel(reference: string): Promise<DirectRun> {
  return runStageDirect(modelStage, MODEL_URL, {
    inputs: { people: join(reference, 'people.parquet'), prisonNumbers: join(reference, 'prison_numbers.parquet') },
  });
}

export interface LinkageFiles {
  reference: string;
  cohort: string;
  request: string;
  /** The register stage's events output. */
  events: string;
}

/** The linkage stage on `files`, with the model of `model` (run once per register) or a fresh one. */
export async function runLinkage(files: LinkageFiles, options: { model?: DirectRun; previous?: Record<string, string>; registerInPlaceUpTo?: number } = {}): Promise<DirectRun> {
  const model = options.model ?? await runLinkageModel(files.reference);
  const m = model.outputs;
  return runStageDirect(linkageStage, LINKAGE_URL, {
    inputs: {
      cohort: files.cohort, request: files.request, events: files.events, disposals: join(files.reference, 'disposals.parquet'),
      register: m.register!, nameKeys: m.nameKeys!, prisonNumbers: m.prisonNumbers!, forenameSex: m.forenameSex!,
      nameBlockSizes: m.nameBlockSizes!, frequencies: m.frequencies!, model: m.model!,
    },
    ...(options.previous ? { previous: options.previous } : {}),
    ...(options.registerInPlaceUpTo === undefined ? {} : { params: { registerInPlaceUpTo: options.registerInPlaceUpTo } }),
  });
}
