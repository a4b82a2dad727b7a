"""moto in server mode, as its moto_server command runs it, with DynamoDB's item-level isolation
and SQS's one delivery at a time per queue.

moto applies an UpdateItem as a read and then a write, in whichever thread the request came in on:
two updates of one item at once can both read the old value (two leads took the same round-robin
turn), and two conditional writes of one version can both succeed. DynamoDB applies each write
atomically, and the services rely on it, so here requests on the same item take turns. Requests on
different items still run side by side, as on DynamoDB: one lock for all of them made a worker
with many leads in flight wait its turn for seconds. What moto cannot run beside a write takes
every lock: a Query or Scan (it walks the table's items, which a write may be adding to), a
transaction (a failed one puts back whole tables as they were when it began), a table operation,
PartiQL.

moto's SQS is not safe across threads either: two receives at once can hand one message to both,
and a delete rebuilds the queue's message list while a send may be appending to the old one, which
loses the sent message (one lead in 1,500 never reached the CRM in a benchmark). Here a queue's
receives, deletes and visibility changes take turns under the lock its sends already take. A
long poll waits on that lock's condition, which lets go of it, so it holds up no one.

Usage: python moto_server.py [-H host] [-p port]
"""

import argparse
import functools
import io
import json
import os
import signal
import sys
import threading
from contextlib import contextmanager

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sqs.models import SQSBackend
from werkzeug.serving import run_simple

STRIPES = 256
EVERY_STRIPE = tuple(range(STRIPES))


def _stripe(table, key):
    return hash((table, json.dumps(key, sort_keys=True))) % STRIPES


class ItemLocks:
    """Which of its striped locks a DynamoDB request takes: those of the items it names, or all."""

    def __init__(self):
        self.locks = [threading.Lock() for _ in range(STRIPES)]
        # Table name -> key attribute names, from the CreateTable requests that pass through.
        self.key_names = {}

    def stripes_of(self, operation, request):
        if operation in ("GetItem", "UpdateItem", "DeleteItem"):
            return [_stripe(request["TableName"], request["Key"])]
        if operation == "PutItem":
            return self._put(request["TableName"], request["Item"])
        if operation == "BatchGetItem":
            return [
                _stripe(table, key)
                for table, reads in request["RequestItems"].items()
                for key in reads["Keys"]
            ]
        if operation == "BatchWriteItem":
            stripes = []
            for table, writes in request["RequestItems"].items():
                for write in writes:
                    if "PutRequest" in write:
                        stripes += self._put(table, write["PutRequest"]["Item"])
                    else:
                        stripes.append(_stripe(table, write["DeleteRequest"]["Key"]))
            return stripes
        if operation == "TransactGetItems":
            return [
                _stripe(item["Get"]["TableName"], item["Get"]["Key"])
                for item in request["TransactItems"]
            ]
        if operation == "CreateTable":
            names = [key["AttributeName"] for key in request["KeySchema"]]
            self.key_names[request["TableName"]] = names
        return EVERY_STRIPE

    def _put(self, table, item):
        names = self.key_names.get(table)
        if names is None or any(name not in item for name in names):
            return EVERY_STRIPE
        return [_stripe(table, {name: item[name] for name in names})]

    @contextmanager
    def hold(self, stripes):
        """Takes the locks in one order, as every request does, so no two wait on each other's."""
        locks = [self.locks[i] for i in sorted(set(stripes))]
        for lock in locks:
            lock.acquire()
        try:
            yield
        finally:
            for lock in reversed(locks):
                lock.release()


class DynamoDBItemIsolation:
    def __init__(self, app):
        self.app = app
        self.items = ItemLocks()

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB_"):
            return self.app(environ, start_response)
        body = _read_body(environ)
        try:
            stripes = self.items.stripes_of(target.split(".")[-1], json.loads(body))
        except (ValueError, KeyError, TypeError, AttributeError):
            stripes = EVERY_STRIPE  # moto answers the malformed request; nothing runs beside it
        with self.items.hold(stripes):
            return list(self.app(environ, start_response))


def _one_at_a_time_per_queue(method):
    """The SQS backend's method, holding the queue's lock: the re-entrant one its sends take."""

    @functools.wraps(method)
    def locked(backend, queue_name, *args, **kwargs):
        with backend.get_queue(queue_name)._messages_lock:
            return method(backend, queue_name, *args, **kwargs)

    return locked


def isolate_sqs_deliveries():
    # The batch variants call these for each entry.
    for name in ("receive_message", "delete_message", "change_message_visibility", "purge_queue"):
        setattr(SQSBackend, name, _one_at_a_time_per_queue(getattr(SQSBackend, name)))


def _read_body(environ):
    """The request's body, left in place for moto to read again."""
    length = environ.get("CONTENT_LENGTH")
    stream = environ["wsgi.input"]
    body = stream.read(int(length)) if length else stream.read()
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    # As moto_server does: moto builds some of its URLs from it.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    isolate_sqs_deliveries()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, DynamoDBItemIsolation(app), threaded=True)


if __name__ == "__main__":
    main()
