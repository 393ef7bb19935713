#!/usr/bin/env bash
# Start what the tests need, when it is not already running: PostgreSQL and Redis on loopback
# (installed from Debian's packages if missing), Chromium and the Khmer font for the console's browser
# tests, and the project's Rasa server (nlu/rasa_server.sh).
# Usage: tests/services.sh start
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'services: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
    for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 1; done
    log "nothing answers on 127.0.0.1:$1"; return 1
}

apt_install() {
    command -v apt-get >/dev/null || { log "cannot install $* (no apt-get)"; return 1; }
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_postgres() {
    port_open 5432 && return 0
    log "starting PostgreSQL"
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
    local version; version=$(ls /etc/postgresql | sort -V | tail -n1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
    wait_port 5432
    # Tests connect as postgres over TCP without a password (trust on loopback), as on this kind of machine.
    if ! psql -h 127.0.0.1 -U postgres -c 'select 1' >/dev/null 2>&1; then
        log "PostgreSQL refuses postgres@127.0.0.1 without a password; set TEST_DATABASE_URL"
    fi
}

ensure_redis() {
    port_open 6379 && return 0
    log "starting Redis"
    command -v redis-server >/dev/null || apt_install redis-server
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_port 6379
}

# The web console's browser tests drive Debian's Chromium through Playwright (never a downloaded
# browser), and its Khmer pages need the Noto Khmer font on the machine as well as in the app.
ensure_browser() {
    local missing=()
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ -f /usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf ] || missing+=(fonts-noto-core)
    [ "${#missing[@]}" -eq 0 ] && return 0
    log "installing ${missing[*]}"
    apt_install "${missing[@]}" || log "could not install ${missing[*]}: the browser tests will fail"
}

case "${1:-start}" in
    start)
        ensure_postgres
        ensure_redis
        ensure_browser
        nlu/rasa_server.sh start
        ;;
    *) echo "usage: $0 start" >&2; exit 2 ;;
esac
