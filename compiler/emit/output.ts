/** One file of the compiled output, relative to the output directory. */
export interface OutputFile {
  readonly path: string;
  readonly content: string;
}
