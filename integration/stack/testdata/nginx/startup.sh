#!/bin/bash
# The wrapper of issue 19: set-up, then nginx on the last line WITHOUT
# exec, so bash stays in between and gets the init's signal. nginx stops
# gracefully on SIGQUIT (its SIGTERM is a fast stop), which bash ignores.
cd "$(dirname "$0")"
sed -e "s/@PORT@/$PORT/" -e "s/@BACKEND@/$BACKEND_PORT/" nginx.conf.in > "$STACK_MARKS/nginx.conf"
echo "startup.sh: starting nginx"
nginx -p "$STACK_MARKS" -c nginx.conf -e stderr -g 'daemon off;'
