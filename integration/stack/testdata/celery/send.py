# Enqueues one slow(N) task, as the app's web side would.
import sys

from tasks import app

app.send_task("tasks.slow", args=[int(sys.argv[1])])
