# Calls /slow.Slow/Sleep once and prints the reply, or the RPC's error.
import sys

import grpc

port, seconds = sys.argv[1], sys.argv[2]
with grpc.insecure_channel("127.0.0.1:" + port) as channel:
    call = channel.unary_unary("/slow.Slow/Sleep")
    try:
        print(call(seconds.encode(), timeout=180).decode())
    except grpc.RpcError as e:
        print("rpc failed: %s %s" % (e.code(), e.details()))
