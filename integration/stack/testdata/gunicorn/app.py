# A WSGI app with one slow endpoint: GET /slow?s=N sleeps N seconds, then
# answers "slept N" in full. It records its start as a file in
# $STACK_MARKS, which the test waits for before it sends the stop signal.
import os
import time
from urllib.parse import parse_qs

MARKS = os.environ["STACK_MARKS"]


def app(environ, start_response):
    if environ["PATH_INFO"] != "/slow":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]
    seconds = int(parse_qs(environ["QUERY_STRING"]).get("s", ["12"])[0])
    path = os.path.join(MARKS, "started")
    with open(path + ".tmp", "w") as f:
        f.write("%.6f\n" % time.time())
    os.rename(path + ".tmp", path)  # appears whole, or not at all
    time.sleep(seconds)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("slept %d\n" % seconds).encode()]
