"""cfn-lint, imported once, forking a child per lint (scripts/cfnLintServer.mjs).

    python3 test/support/cfnLintServer.py SOCKET

Each `cfn-lint` process spends ~1.2 s of CPU importing cfnlint before it reads a
template, and `npm test` starts dozens of them. This server pays that import once; for
each connection of the `cfn-lint` shim it forks a child that takes the shim's stdin,
stdout and stderr (passed over the socket), its working directory, arguments and
environment, runs cfnlint's own command-line entry point (the function the installed
`cfn-lint` script calls) and sends back its exit status. A forked child starts from the
freshly imported state, never from another lint's, so each run is the run a new
`cfn-lint` process would make.
"""

import json
import os
import signal
import socket
import sys
import threading
import time
import traceback

from cfnlint.runner import main  # the import every cfn-lint process pays

LOG = os.environ.get("TENANTC_CFN_LINT_SERVER_LOG")

# Children are never waited for: their status goes back over the socket.
signal.signal(signal.SIGCHLD, signal.SIG_IGN)


def _exit_with_parent() -> None:
    """Exit when the process that started the server is gone (npm test killed)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _serve(conn: socket.socket) -> None:
    """In the forked child: one lint, as the `cfn-lint` process the shim stands for."""
    _, fds, _, _ = socket.recv_fds(conn, 1, 3)
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    request = json.loads(data)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.argv = ["cfn-lint", *request["argv"]]
    try:
        status = main()
    except SystemExit as e:
        status = e.code
    except BaseException:
        traceback.print_exc()
        status = 1
    # sys.exit's meaning of its argument, as the installed script's sys.exit(main()).
    if status is None:
        status = 0
    elif not isinstance(status, int):
        print(status, file=sys.stderr)
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    conn.sendall(str(status).encode())
    conn.close()
    if LOG:
        # TENANTC_CFN_LINT_SERVER_LOG: what each lint cost, to see where cfn-lint's time goes.
        with open(LOG, "a") as log:
            log.write(json.dumps({"cpu": round(time.process_time(), 2), "status": status, "cwd": request["cwd"], "argv": request["argv"]}) + "\n")


def serve_forever(path: str) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            try:
                _serve(conn)
            finally:
                os._exit(0)
        conn.close()


if __name__ == "__main__":
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    serve_forever(sys.argv[1])
