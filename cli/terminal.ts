// tenantc and the terminal, both ways: what it prints (every command's output) and the
// one question it may ask (deploy's approval).
//
// Printing. Everything tenantc prints goes through terminalSafe: a terminal, a CI log, a
// file the workflow posts as a pull-request comment. Printed text quotes what others
// wrote (a manifest's values in diagnostics and diffs, AWS's status reasons that echo
// resource properties), so a character a terminal acts on (ESC starts an ANSI sequence
// that can clear the screen, rewrite earlier lines or set the window title; C1 controls
// are 8-bit escapes), or one that reorders or hides text (bidirectional overrides, zero
// width characters, line separators), is printed as a \uXXXX escape instead: visible,
// inert, and still valid inside a JSON string. Line breaks and tabs are tenantc's own.
// Manifests cannot hold these (schema/strings.schema.json); this holds without that.
//
// Asking. A question only when someone can answer: stdin and stdout both terminals. In
// CI, a pipe or a redirect there is no prompt at all, so a command never waits on one
// (deploy then refuses to execute without --yes).
import { createInterface } from 'node:readline/promises';

const UNSAFE_FOR_A_TERMINAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\p{Cf}\u2028\u2029\p{Cs}]/gu;

const escape = (ch: string) => [...Array(ch.length).keys()].map((i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_FOR_A_TERMINAL, escape);
}

/** A stream's writer that prints only terminal-safe text. */
export function safeWriter(stream: { write(s: string): unknown }): { write(s: string): unknown } {
  return { write: (s: string) => stream.write(terminalSafe(s)) };
}

/** A prompt that shows only a terminal-safe question (it may name a stack or a change set). */
export function safePrompt(prompt: (question: string) => Promise<string>): (question: string) => Promise<string> {
  return (question) => prompt(terminalSafe(question));
}

interface Tty {
  readonly isTTY?: boolean;
}

export function terminalPrompt(stdin: NodeJS.ReadableStream & Tty, stdout: NodeJS.WritableStream & Tty): ((question: string) => Promise<string>) | undefined {
  if (!stdin.isTTY || !stdout.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: stdin, output: stdout, terminal: true });
    // Ctrl-C at the prompt: the terminal sends it to readline, not to the process; pass
    // it on, so the command's own SIGINT handling (deploy: interrupted, exit 130) runs.
    rl.on('SIGINT', () => {
      rl.close();
      process.kill(process.pid, 'SIGINT');
    });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  };
}
