#!/bin/bash
# The wrapper of issue 19: set-up, then the worker on the last line
# WITHOUT exec, so bash stays in between and gets the init's SIGTERM.
# A prefork pool of one; the worker's own bound on a task, --time-limit
# 25, is below ginit's --grace (28 s). Without gossip, mingle and
# heartbeats it boots faster and talks to no other worker.
cd "$(dirname "$0")"
echo "startup.sh: starting the celery worker"
/usr/bin/python3 -m celery -A tasks worker --pool prefork --concurrency 1 --time-limit 25 \
	--without-gossip --without-mingle --without-heartbeat --loglevel INFO
