// The file that marks a directory as tenantc's output: its own module, so that the
// writer thread's bundle (write/writerThread.ts) takes these two constants and nothing else.

/** Marks a directory as tenantc's, so compile never replaces a directory it did not write. */
export const OUTPUT_MARKER = '.tenantc-output';

export const OUTPUT_MARKER_TEXT = 'Written by tenantc compile; replaced as a whole on every compile.\n';
