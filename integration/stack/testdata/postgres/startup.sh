#!/bin/bash
# The wrapper of issue 23: set-up (the data directory, from the test's
# template), then PostgreSQL on the last line WITHOUT exec, so bash stays
# in between. setpriv, not runuser or su: it becomes postgres, where they
# stay as its parent (and on SIGTERM send SIGTERM, then SIGKILL 2 s later).
# PostgreSQL's SIGTERM is a smart shutdown (wait for every session to end),
# SIGINT a fast one (abort them, shut down cleanly: the official image's
# STOPSIGNAL); bash catches SIGINT while it waits for its foreground child.
cp -a "$PG_TEMPLATE" "$STACK_MARKS/data"
echo "startup.sh: starting postgres"
setpriv --reuid=postgres --regid=postgres --init-groups "$PG_BIN/postgres" -D "$STACK_MARKS/data" \
	-p "$PORT" -c listen_addresses=127.0.0.1 -k ''
