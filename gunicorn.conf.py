"""gunicorn as shipped (docker-compose.yml, the Dockerfile and `make bench-ingress` all use this file).

A webhook request is I/O: a signature check, one INSERT, one pipelined Redis call. Threads suit
that better than sync workers (one request per process, each waiting on the database in turn):
`gthread`, WEB_WORKERS processes (default 2, one per core of a small provincial server) of
WEB_THREADS threads each (default 8: the ingress store engine keeps as many connections per
process). The shared control socket is off: several gunicorns on one host (or one container
restarting) would otherwise fight over `$HOME/.gunicorn/gunicorn.ctl`. Slow clients are nginx's
problem: it buffers every request body before a thread sees it (deploy/nginx.conf).
"""

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
control_socket_disable = True  # --no-control-socket
# nginx logs every request in front; a second access log per request costs throughput.
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
timeout = 30
graceful_timeout = 20
keepalive = 5
