// One floor measurement in a process of its own (see floors.ts measureFloor): reads the job file
// named on the command line and prints one line, FLOOR {seconds, cpu, write?}.
import { readFileSync } from 'node:fs';
import type { DuckOptions } from '../../src/duck.ts';
import { runFloor, type FloorFiles, type StageFloor } from './floors.ts';

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { floor: StageFloor; where: FloorFiles; duck: DuckOptions; writes: string[]; scratch: string };
console.log(`FLOOR ${JSON.stringify(await runFloor(job.floor, job.where, job.duck, job.writes, job.scratch))}`);
