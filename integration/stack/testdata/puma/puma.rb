# Puma's own shutdown bound, 25 s, below ginit's --grace (28 s) and the
# orchestrator's deadline (30 s): in single mode force_shutdown_after, in
# cluster mode worker_shutdown_timeout. PUMA_WORKERS=0 is single mode.
bind "tcp://127.0.0.1:#{ENV.fetch("PORT")}"
threads 4, 4
workers Integer(ENV.fetch("PUMA_WORKERS", "0"))
force_shutdown_after 25
worker_shutdown_timeout 25
