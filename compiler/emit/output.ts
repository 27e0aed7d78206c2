/** One file of the compiled output, relative to the output directory. */
export interface OutputFile {
  readonly path: string;
  readonly content: string;
  /**
   * The previous output's file that holds exactly `content` (a reused tenant's template,
   * its bytes checked against the digest the compile cache recorded): the writer links
   * it instead of writing the bytes again (write/writeOutput.ts).
   */
  readonly previous?: string;
}
