"""gunicorn as shipped (docker-compose.yml, the Dockerfile and `make bench-ingress` all use this file).

A webhook request is mostly waiting: a signature check, then its row goes to the process's writer
thread, which stores the rows of all waiting requests in one statement and commit (bot.ingress);
no Redis call. Threads suit that better than sync workers (one request per process, each waiting
on the database in turn): `gthread`, WEB_WORKERS processes (default 2, one per core of a small
provincial server) of WEB_THREADS threads each (default 8: more requests waiting together make
bigger groups; measured on two cores, 16 gave no more). gevent measured no better than threads
(the same CPU per request) and is not shipped. The shared control socket is off: several gunicorns
on one host (or one container restarting) would otherwise fight over `$HOME/.gunicorn/gunicorn.ctl`.
Slow clients are nginx's problem: it buffers every request body before a thread sees it
(deploy/nginx.conf). Access logging is off here (nginx logs every request in front).
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
