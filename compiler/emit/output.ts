/** One file of the compiled output, relative to the output directory. */
export interface OutputFile {
  readonly path: string;
  readonly content: string;
  /**
   * The previous output's file that holds exactly `content` (a reused tenant's template,
   * its bytes checked against the digest the compile cache recorded): the writer links
   * it instead of writing the bytes again (write/writeOutput.ts).
   */
  readonly previous?: PreviousFile;
}

/** A previous output's file, where it is and its identity (write/fileIdentity.ts) when its bytes were checked. */
export interface PreviousFile {
  readonly at: string;
  readonly identity: string;
}
