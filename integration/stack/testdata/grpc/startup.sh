#!/bin/bash
# The wrapper of issue 19: set-up, then the server on the last line
# WITHOUT exec, so bash stays in between and gets the init's SIGTERM.
cd "$(dirname "$0")"
echo "startup.sh: starting the gRPC server"
/usr/bin/python3 ./server.py
