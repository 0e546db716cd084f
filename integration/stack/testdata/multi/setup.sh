# Sourced by both startup scripts: the configuration of php-fpm and nginx
# in the case's own directory, where everything starts (a QUIT's core
# dump, if any, lands there too).
app=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
php=$app/../phpfpm
sed -e "s|@LISTEN@|$STACK_MARKS/fpm.sock|" -e "s|@DIR@|$STACK_MARKS|g" "$php/php-fpm.conf.in" > "$STACK_MARKS/php-fpm.conf"
sed -e "s|@PORT@|$PORT|" -e "s|@DIR@|$STACK_MARKS|g" -e "s|@APP@|$(cd "$php" && pwd)|g" "$app/nginx.conf.in" > "$STACK_MARKS/nginx.conf"
cd "$STACK_MARKS"
