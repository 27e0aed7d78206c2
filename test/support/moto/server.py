"""moto_server with tenantc's patches (tenantc_moto.py), on loopback only, over TLS.

    python3 test/support/moto/server.py PORT CERT KEY

TLS because the buckets' policies deny every request that is not (aws:SecureTransport),
and moto enforces bucket policies: a plain-HTTP endpoint would be refused, as it should.
"""

import os
import sys
import threading
import time
import warnings

import tenantc_moto

warnings.simplefilter("ignore")
tenantc_moto.apply()

from moto.server import main  # noqa: E402


def _exit_with_parent() -> None:
    """Exit when the process that started the server is gone (a test killed, Ctrl-C on
    npm run moto): an orphaned server would hold its port and keep running for good."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


threading.Thread(target=_exit_with_parent, daemon=True).start()

main(["-H", "127.0.0.1", "-p", sys.argv[1], "-c", sys.argv[2], "-k", sys.argv[3]])
