"""Runs a command in a pseudo-terminal (stdin and stdout are a TTY, as for an operator)
and answers its one question.

    python3 test/support/ptyAnswer.py ANSWER 'QUESTION TEXT' CMD ARGS...

Prints everything the command wrote to the terminal; exits with the command's status
(2 more than 100 when the question never came)."""

import os
import pty
import select
import sys

answer, question, command = sys.argv[1], sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)
out = b""
answered = False
while True:
    try:
        ready, _, _ = select.select([fd], [], [], 300)
        if not ready:
            break
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not answered and question in out:
        os.write(fd, (answer + "\n").encode())
        answered = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if answered else 102)
