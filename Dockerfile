# The app image: web (gunicorn) and worker (python -m worker) run from it.
FROM python:3.11-slim
# REQUIRE_DATA_KEYS: a container never makes a key file of its own (it would vanish with it).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 REQUIRE_DATA_KEYS=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# The embedded models, trained once into var/cache here rather than by each process on its first message.
RUN python -m nlu train
RUN useradd --create-home --uid 10001 jsc && mkdir -p /app/var/spool && chown -R jsc /app/var
USER jsc
EXPOSE 8000
# gunicorn as shipped: uvicorn workers (bot.asgi), WEB_WORKERS processes, no control socket (gunicorn.conf.py).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "bot.asgi:create_app()"]
