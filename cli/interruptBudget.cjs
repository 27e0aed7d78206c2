// V8's interrupt budget tenantc runs with: V8 hands a function to TurboFan once it has
// run this much bytecode (67,584 bytes by default in Node 20's V8). A compile runs the
// same emitters and rules for every tenant, and at the default TurboFan's jobs (and their
// re-optimizations after deoptimizations) take the second core from the writer thread
// and the garbage collector while the main thread waits on them. Sixteen times the
// budget, measured whole process on 2 cores (docs/benchmark.md): a 500-tenant first
// compile 0.62 -> 0.53 s wall, 5,000 tenants 3.25 -> ~3.05 s, less CPU at both (4x and 8x
// in between; smaller budgets slower). The CLI's loader sets it (cli/bundleLoader.ts),
// and the test workers too (scripts/testWorker.cjs: npm test ~7% less CPU): the same
// value, so that V8's code cache, keyed on its flags, serves the tests that import the
// bundle. CommonJS with no import, so the test workers (plain node) and the loader's
// ES-module bundle both take it as it is.
'use strict';

const INTERRUPT_BUDGET = 16 * 67_584;

/**
 * The V8 flag to set, or null when the user gave node a budget of their own (on its
 * command line or in NODE_OPTIONS), however spelled: V8 reads `_` and `-` in a flag's
 * name alike (--interrupt_budget).
 */
function interruptBudgetFlag(execArgv, nodeOptions) {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) => /^--interrupt[-_]budget/.test(a));
  return given ? null : `--interrupt-budget=${INTERRUPT_BUDGET}`;
}

module.exports = { INTERRUPT_BUDGET, interruptBudgetFlag };
