#!/bin/bash
# Several daemons behind one script, the keep-alive shape: each started
# with &, then a foreground command that never ends, no exec anywhere.
# The line for it: ginit -r TERM:QUIT -- bash startup-keepalive.sh (bash
# ignores SIGQUIT, so ginit sends it to each of bash's children: php-fpm's
# and nginx's graceful stop, tail's death; cron, a & job, ignores SIGQUIT
# and gets SIGTERM instead).
source "$(dirname "$0")/setup.sh"
echo "startup.sh: starting php-fpm, nginx, cron"
php-fpm8.2 -F -y php-fpm.conf &
nginx -p "$STACK_MARKS" -c nginx.conf -g 'daemon off;' &
cron -f &
tail -f /dev/null
