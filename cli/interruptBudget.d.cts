export declare const INTERRUPT_BUDGET: number;
export declare function interruptBudgetFlag(execArgv: readonly string[], nodeOptions: string | undefined): string | null;
