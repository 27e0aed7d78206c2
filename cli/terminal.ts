// The question a command may ask (deploy's approval), only when someone can answer: stdin
// and stdout both terminals. In CI, a pipe or a redirect there is no prompt at all, so a
// command never waits on one (deploy then refuses to execute without --yes).
import { createInterface } from 'node:readline/promises';

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
