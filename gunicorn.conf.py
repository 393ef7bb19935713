"""gunicorn as shipped (docker-compose.yml, the Dockerfile and `make bench-ingress` all use this file).

A webhook request is mostly waiting: a signature check, then its row is stored together with the
rows of the process's other waiting requests, one statement and commit per group, by one of those
request threads in turn (bot.ingress); no Redis call. Threads suit that better than sync workers
(one request per process, each waiting on the database in turn): `gthread`, WEB_WORKERS processes
(default 2, one per core of a small provincial server) of WEB_THREADS threads each (default 16:
more requests waiting together make bigger groups; on two cores `make bench-ingress` measured
1,700 against 1,600 requests/s with 8, p99 48 against 52 ms, while a bare Flask app lost ~7%). gevent measured no better than threads
(the same CPU per request) and is not shipped. The shared control socket is off: several gunicorns
on one host (or one container restarting) would otherwise fight over `$HOME/.gunicorn/gunicorn.ctl`.
Slow clients are nginx's problem: it buffers every request body before a thread sees it
(deploy/nginx.conf). Access logging is off here (nginx logs every request in front).
"""

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "16"))
control_socket_disable = True  # --no-control-socket
# nginx logs every request in front; a second access log per request costs throughput.
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
timeout = 30
graceful_timeout = 20
keepalive = 5
