<?php
// One slow request: its start marked for the test (the case's directory is
// open to the pool's user, nobody), then $_GET['s'] seconds of work. A
// loop, not one sleep(): a signal cuts sleep() short, and a request that
// seemed to finish early would prove nothing.
$dir = getenv('STACK_MARKS');
$s = (int)($_GET['s'] ?? 8);
file_put_contents("$dir/started.tmp", microtime(true));
rename("$dir/started.tmp", "$dir/started");
$end = microtime(true) + $s;
while (($left = $end - microtime(true)) > 0) {
    usleep((int)($left * 1e6));
}
echo "slept $s\n";
