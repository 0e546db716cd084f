#!/bin/bash
# The wrapper of issue 23: set-up, then Apache on the last line WITHOUT
# exec, so bash stays in between. Apache stops gracefully on SIGWINCH
# (apachectl graceful-stop; the official httpd image's STOPSIGNAL), whose
# default action, bash's too, is to ignore it; its SIGTERM is a fast stop.
cd "$(dirname "$0")"
sed -e "s|@PORT@|$PORT|" -e "s|@DIR@|$STACK_MARKS|g" -e "s|@APP@|$PWD|g" httpd.conf.in > "$STACK_MARKS/httpd.conf"
echo "startup.sh: starting apache2"
apache2 -d "$STACK_MARKS" -f "$STACK_MARKS/httpd.conf" -DFOREGROUND
