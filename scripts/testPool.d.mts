/** A test file, or a group of files that must share a process: see testPool.mjs. */
export interface Unit {
  label: string;
  files: string[];
  weight: number;
}
/** How a unit went: see testPool.mjs. */
export interface UnitResult {
  unit: Unit;
  worker: number;
  pid: number | undefined;
  passed: boolean;
  output: string;
  started: number;
  wall: number;
  cpu: number | null;
}
/** One test worker's life: see testPool.mjs. */
export interface WorkerRecord {
  worker: number;
  pid: number | undefined;
  started: number;
  ended: number;
  busy: number;
  cpu: number;
  units: string[];
  /** False when it failed outside a unit (never started, failed at exit, did not exit); dying mid-unit fails that unit. */
  passed: boolean;
  /** What it wrote outside a unit. */
  output: string;
}
/** The units of a run, heaviest first: see testPool.mjs. */
export function unitsOf(
  files: readonly string[],
  weights: Readonly<Record<string, number>>,
  together: readonly (readonly string[])[],
  unlisted?: number,
): Unit[];
/** Runs the units on a pool of test workers: see testPool.mjs. */
export function runPool(options: {
  units: readonly Unit[];
  workers: number;
  dir: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  onResult?: (r: UnitResult) => void;
  exitGraceMs?: number;
}): Promise<{ results: UnitResult[]; workers: WorkerRecord[] }>;
