#!/bin/bash
# The wrapper script of ginit's story: some set-up, then the worker on the
# last line WITHOUT exec, so bash stays in between: the init's SIGTERM goes
# to bash, which dies of it without passing it on to Sidekiq.
cd "$(dirname "$0")"
echo "startup.sh: starting sidekiq"
sidekiq -r ./app.rb -t 25
