"""moto in server mode, as its moto_server command runs it, but one DynamoDB request at a time.

moto applies an UpdateItem as a read and then a write, in whichever thread the request came in on:
two updates of one item at once can both read the old value (two leads took the same round-robin
turn), and two conditional writes of one version can both succeed. DynamoDB applies each write
atomically, and the services rely on it, so here DynamoDB requests take turns. Other services keep
moto's threads: an SQS long poll must not hold up everyone else.

Usage: python moto_server.py [-H host] [-p port]
"""

import argparse
import os
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


class OneDynamoDBRequestAtATime:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    # As moto_server does: moto builds some of its URLs from it.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, OneDynamoDBRequestAtATime(app), threaded=True)


if __name__ == "__main__":
    main()
