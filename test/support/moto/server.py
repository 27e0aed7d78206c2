"""moto_server with tenantc's patches (tenantc_moto.py), on loopback only, over TLS.

    python3 test/support/moto/server.py PORT CERT KEY

TLS because the buckets' policies deny every request that is not (aws:SecureTransport),
and moto enforces bucket policies: a plain-HTTP endpoint would be refused, as it should.
"""

import sys
import warnings

import tenantc_moto

warnings.simplefilter("ignore")
tenantc_moto.apply()

from moto.server import main  # noqa: E402

main(["-H", "127.0.0.1", "-p", sys.argv[1], "-c", sys.argv[2], "-k", sys.argv[3]])
