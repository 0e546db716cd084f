# A Celery app with one task: slow(N) sleeps N seconds and records its
# start and its completion as files in $STACK_MARKS, which the test reads
# to tell a completed task from a lost one. The broker is Redis, named by
# $CELERY_BROKER.
import os
import time

from celery import Celery

app = Celery("tasks", broker=os.environ["CELERY_BROKER"])


def mark(what):
    path = os.path.join(os.environ["STACK_MARKS"], what)
    with open(path + ".tmp", "w") as f:
        f.write("%.6f\n" % time.time())
    os.rename(path + ".tmp", path)  # appears whole, or not at all


@app.task
def slow(seconds):
    mark("started")
    time.sleep(seconds)
    mark("done")
    return seconds
