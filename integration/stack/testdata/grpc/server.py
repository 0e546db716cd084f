# A gRPC server with one unary method, /slow.Slow/Sleep: the request is a
# number of seconds as text, the reply "slept N" once they have passed. A
# generic handler with bytes in and out, so no code generation is needed.
# On SIGTERM it stops as gRPC's docs advise: no new RPCs, and 25 s of grace
# (its own shutdown bound) for those in flight. It records the start of
# each RPC as a file in $STACK_MARKS, which the test waits for.
import os
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

MARKS = os.environ["STACK_MARKS"]


def mark(what):
    path = os.path.join(MARKS, what)
    with open(path + ".tmp", "w") as f:
        f.write("%.6f\n" % time.time())
    os.rename(path + ".tmp", path)  # appears whole, or not at all


def sleep(request, context):
    mark("started")
    seconds = int(request.decode())
    time.sleep(seconds)
    return ("slept %d" % seconds).encode()


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    ident = lambda b: b
    handler = grpc.method_handlers_generic_handler(
        "slow.Slow",
        {"Sleep": grpc.unary_unary_rpc_method_handler(sleep, request_deserializer=ident, response_serializer=ident)},
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port("127.0.0.1:" + os.environ["PORT"])
    server.start()
    print("server.py: serving", flush=True)
    stopped = threading.Event()

    def on_term(signum, frame):
        print("server.py: SIGTERM, stopping with a 25s grace", flush=True)
        threading.Thread(target=lambda: (server.stop(25).wait(), stopped.set())).start()

    signal.signal(signal.SIGTERM, on_term)
    stopped.wait()
    print("server.py: stopped", flush=True)
    sys.exit(0)


main()
