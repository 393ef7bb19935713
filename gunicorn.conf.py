"""gunicorn as shipped (docker-compose.yml, the Dockerfile and `make bench-ingress` all use this file),
serving `bot.asgi:create_app()`.

A webhook request is mostly waiting: a signature check, then its row is stored together with the
rows of the process's other waiting requests, one statement and commit per group. Uvicorn workers
(an event loop each, uvloop and httptools) take the citizens' SMS webhook on the loop itself, with
no thread hand-off per request (bot.asgi); everything else is the Flask app run in WEB_THREADS
threads per process. With gthread workers (the request threads taking turns to write) the webhook
ran at 0.44-0.57 x a bare Flask app on two cores, the threads waking each other costing more than
the webhook's own work; on the event loop `make bench-ingress` measured it faster than the bare
Flask app (README). WEB_WORKERS processes (default 2, one per core of a small provincial server).
The shared control socket is off: several gunicorns on one host (or one container restarting)
would otherwise fight over `$HOME/.gunicorn/gunicorn.ctl`. Slow clients are nginx's problem: it
buffers every request body before a worker sees it (deploy/nginx.conf). Access logging is off here
(nginx logs every request in front).
"""

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
worker_class = "uvicorn_worker.UvicornWorker"
workers = int(os.environ.get("WEB_WORKERS", "2"))
# The Flask app's threads per process (bot.asgi reads WEB_THREADS itself; gunicorn's own setting
# applies only to gthread workers, as `make bench-ingress` runs the bare Flask app).
threads = int(os.environ.get("WEB_THREADS", "16"))
control_socket_disable = True  # --no-control-socket
# nginx logs every request in front; a second access log per request costs throughput.
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
timeout = 30
graceful_timeout = 20
keepalive = 5
