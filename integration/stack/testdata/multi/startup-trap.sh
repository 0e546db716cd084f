#!/bin/bash
# Several daemons behind one script, the trap shape: each started with &,
# and a trap that passes each its own graceful stop signal, then one wait.
# The line for it: ginit -- bash startup-trap.sh (SIGTERM to bash only; the
# trap does the work; bash exits 143 and ginit waits for the daemons
# without signalling them).
source "$(dirname "$0")/setup.sh"
echo "startup.sh: starting php-fpm, nginx, cron"
php-fpm8.2 -F -y php-fpm.conf &
FPM=$!
nginx -p "$STACK_MARKS" -c nginx.conf -g 'daemon off;' &
cron -f &
CRON=$!
trap 'kill -QUIT $FPM; nginx -p "$STACK_MARKS" -c nginx.conf -s quit; kill $CRON' TERM INT
wait
