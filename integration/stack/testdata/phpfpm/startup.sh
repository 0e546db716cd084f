#!/bin/bash
# The wrapper of issue 23: set-up, then php-fpm in the foreground on the
# last line WITHOUT exec, so bash stays in between. php-fpm stops
# gracefully on SIGQUIT (the official php:fpm image's STOPSIGNAL), which
# bash ignores; its SIGTERM is a fast stop. Its master calls setsid(), so
# it is in no process group of bash's.
cd "$(dirname "$0")"
sed -e "s|@LISTEN@|127.0.0.1:$PORT|" -e "s|@DIR@|$STACK_MARKS|g" php-fpm.conf.in > "$STACK_MARKS/php-fpm.conf"
echo "startup.sh: starting php-fpm"
php-fpm8.2 -F -y "$STACK_MARKS/php-fpm.conf"
