#!/bin/bash
# The wrapper of issue 19: set-up, then the server on the last line
# WITHOUT exec, so bash stays in between and gets the init's SIGTERM.
# gunicorn's own shutdown bound, --graceful-timeout 25, is below ginit's
# --grace (28 s); --timeout 60 lets a sync worker run the slow request.
cd "$(dirname "$0")"
echo "startup.sh: starting gunicorn"
gunicorn --bind "127.0.0.1:$PORT" --workers 2 --worker-class sync --graceful-timeout 25 --timeout 60 app:app
