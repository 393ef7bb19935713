#!/usr/bin/env bash
# The project's Rasa NLU server: nlu/rasa_server.sh start|stop|status|train
#
#   train   create the Rasa venv if needed, then train nlu/models/jsc-nlu.tar.gz if its inputs
#           (config, domain, data, the custom tokenizer, nlu/khmer.py, the pins) changed; the
#           data is nlu/data/*.yml and the evaluation sets that are training data, written as
#           Rasa YAML into var/rasa-nlu-data by `python -m nlu.training_sets rasa-data`
#   start   train if needed, then serve `rasa run --enable-api` on 127.0.0.1:${RASA_PORT:-5005}
#           in the background; returns once GET / answers (exit 1 if it never does)
#   stop    stop the server this script started (SIGTERM, then SIGKILL after 20 s)
#   status  exit 0 and print the URL when the server answers, exit 3 when it is not running
#
# Rasa 3.6 needs Python 3.10 and its own old libraries, so it lives in a venv outside the repo:
# ${RASA_HOME:-$HOME/.cache/jsc-justice-rasa}/venv, re-created when nlu/requirements-rasa.txt
# changes. Settings: RASA_HOME, RASA_PORT, RASA_PYTHON (interpreter to build the venv with),
# RASA_START_TIMEOUT (seconds, default 120), RASA_FORCE_TRAIN=1 (train even when up to date).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NLU_DIR="$REPO_ROOT/nlu"
RASA_HOME="${RASA_HOME:-$HOME/.cache/jsc-justice-rasa}"
VENV="$RASA_HOME/venv"
RASA_PORT="${RASA_PORT:-5005}"
RASA_URL="http://127.0.0.1:$RASA_PORT"
START_TIMEOUT="${RASA_START_TIMEOUT:-120}"
MODELS_DIR="$NLU_DIR/models"
MODEL_NAME="jsc-nlu"
MODEL="$MODELS_DIR/$MODEL_NAME.tar.gz"
MODEL_HASH_FILE="$MODELS_DIR/$MODEL_NAME.inputs.sha256"
REQUIREMENTS="$NLU_DIR/requirements-rasa.txt"
VAR_DIR="$REPO_ROOT/var"
PID_FILE="$VAR_DIR/rasa-$RASA_PORT.pid"
LOG_FILE="$VAR_DIR/rasa-$RASA_PORT.log"
TRAIN_LOG="$VAR_DIR/rasa-train.log"
DATA_DIR="$VAR_DIR/rasa-nlu-data"

# The custom tokenizer imports nlu.khmer from the repo.
export PYTHONPATH="$REPO_ROOT${PYTHONPATH:+:$PYTHONPATH}"
# Quiet TensorFlow, and keep it to the 2 cores of a developer's or CI machine without
# oversubscribing them (one op pool, two threads inside an op).
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export TF_NUM_INTRAOP_THREADS="${TF_NUM_INTRAOP_THREADS:-2}"
export TF_NUM_INTEROP_THREADS="${TF_NUM_INTEROP_THREADS:-1}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
export CUDA_VISIBLE_DEVICES="${CUDA_VISIBLE_DEVICES:-}"
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
export MPLCONFIGDIR="$RASA_HOME/matplotlib"
# Rasa's training cache would otherwise land in ./.rasa inside the repo.
export RASA_CACHE_DIRECTORY="${RASA_CACHE_DIRECTORY:-$RASA_HOME/cache}"
export RASA_MAX_CACHE_SIZE="${RASA_MAX_CACHE_SIZE:-300}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf 'rasa_server: %s\n' "$*" >&2; }

find_python() {
    # RASA_PYTHON, then python3.10 on the PATH, then pyenv's 3.10 builds (newest first).
    local candidate pyenv_root
    pyenv_root="$(pyenv root 2>/dev/null || printf '%s' "${PYENV_ROOT:-$HOME/.pyenv}")"
    local candidates=("${RASA_PYTHON:-}" python3.10)
    local found
    while IFS= read -r found; do
        candidates+=("$found")
    done < <(compgen -G "$pyenv_root/versions/3.10.*/bin/python" | sort -rV)
    for candidate in "${candidates[@]}"; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    log "no Python 3.10 found (set RASA_PYTHON); Rasa 3.6 does not run on newer Pythons"
    return 1
}

requirements_hash() {
    { cat "$REQUIREMENTS"; "$1" --version 2>&1; } | sha256sum | cut -d' ' -f1
}

ensure_venv() {
    mkdir -p "$RASA_HOME"
    # One installer at a time (two `start`s racing on a fresh machine would both rebuild).
    exec 9>"$RASA_HOME/.install.lock"
    flock 9
    local python want
    python="$(find_python)"
    want="$(requirements_hash "$python")"
    if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" = "$want" ]; then
        exec 9>&-
        return 0
    fi
    log "building the Rasa venv in $VENV (tensorflow: takes a few minutes)"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
    local install_log="$RASA_HOME/install.log"
    if ! { "$VENV/bin/python" -m pip install --progress-bar off "pip==24.0" \
        && "$VENV/bin/python" -m pip install --progress-bar off -r "$REQUIREMENTS"; } >"$install_log" 2>&1; then
        grep -v '^WARNING: Location' "$install_log" | tail -n 30 >&2
        log "installing nlu/requirements-rasa.txt failed (full log: $install_log)"
        return 1
    fi
    # Written last, so an interrupted install is redone next time.
    echo "$want" >"$VENV/.requirements.sha256"
    exec 9>&-
    log "Rasa venv ready"
}

write_data() {
    # The training data as Rasa reads it: nlu/data/*.yml and the evaluation sets that are training
    # data (nlu.training_sets.TRAINED_EVAL_SETS) converted, in var/rasa-nlu-data (rebuilt each time).
    (cd "$REPO_ROOT" && "$VENV/bin/python" -m nlu.training_sets rasa-data "$DATA_DIR" >/dev/null)
}

inputs_hash() {
    # Everything that changes what the model answers; paths are relative so clones agree.
    (
        cd "$REPO_ROOT"
        find nlu/config.yml nlu/domain.yml "${DATA_DIR#"$REPO_ROOT"/}" nlu/rasa_addons nlu/khmer.py nlu/requirements-rasa.txt \
            -type f ! -path '*/__pycache__/*' ! -name '*.pyc' 2>/dev/null | LC_ALL=C sort |
            while IFS= read -r file; do
                printf '%s  %s\n' "$(sha256sum <"$file" | cut -d' ' -f1)" "$file"
            done
    ) | sha256sum | cut -d' ' -f1
}

ensure_model() {
    local want
    write_data
    want="$(inputs_hash)"
    if [ "${RASA_FORCE_TRAIN:-0}" != 1 ] && [ -f "$MODEL" ] \
        && [ "$(cat "$MODEL_HASH_FILE" 2>/dev/null)" = "$want" ]; then
        log "model up to date: ${MODEL#"$REPO_ROOT"/}"
        return 0
    fi
    # The intents of domain.yml and of the training data are checked by tests/unit/test_nlu_domain.py.
    mkdir -p "$MODELS_DIR" "$VAR_DIR"
    log "training ${MODEL#"$REPO_ROOT"/} (log: ${TRAIN_LOG#"$REPO_ROOT"/})"
    local started=$SECONDS
    rm -f "$MODEL_HASH_FILE"
    if ! (cd "$REPO_ROOT" && "$VENV/bin/python" -m rasa train nlu \
        --config nlu/config.yml --domain nlu/domain.yml --nlu "$DATA_DIR" \
        --out "$MODELS_DIR" --fixed-model-name "$MODEL_NAME") >"$TRAIN_LOG" 2>&1; then
        tail -n 30 "$TRAIN_LOG" >&2
        log "training failed"
        return 1
    fi
    echo "$want" >"$MODEL_HASH_FILE"
    log "trained in $((SECONDS - started)) s: $(du -h "$MODEL" | cut -f1)"
}

answers() {
    if command -v curl >/dev/null 2>&1; then
        curl --silent --fail --max-time 2 --output /dev/null "$RASA_URL/"
    else
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$RASA_URL/" 2>/dev/null
    fi
}

running_pid() {
    # The pid from the pid file, if that process is still our Rasa server (after a reboot the
    # number may belong to something else, which `stop` must not kill).
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null)" || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    case "$(ps -o args= -p "$pid" 2>/dev/null)" in
        *"rasa run"*) echo "$pid" ;;
        *) return 1 ;;
    esac
}

cmd_start() {
    local pid
    if pid="$(running_pid)" && answers; then
        log "already running (pid $pid) at $RASA_URL"
        return 0
    fi
    if answers; then
        log "something not started by this script already answers at $RASA_URL; leaving it alone"
        return 1
    fi
    ensure_venv
    ensure_model
    mkdir -p "$VAR_DIR"
    if pid="$(running_pid)"; then  # started earlier but still loading, or wedged: start afresh
        cmd_stop
    fi
    log "starting Rasa at $RASA_URL (log: ${LOG_FILE#"$REPO_ROOT"/})"
    (
        cd "$REPO_ROOT"
        exec nohup "$VENV/bin/python" -m rasa run --enable-api --port "$RASA_PORT" -i 127.0.0.1 \
            --model "$MODEL" </dev/null >>"$LOG_FILE" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$PID_FILE"
    local waited=0
    while [ "$waited" -lt "$START_TIMEOUT" ]; do
        if answers; then
            log "ready after ${waited} s (pid $pid)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$LOG_FILE" >&2
            rm -f "$PID_FILE"
            log "Rasa exited during start-up"
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    tail -n 30 "$LOG_FILE" >&2
    log "Rasa did not answer within ${START_TIMEOUT} s; stopping it"
    cmd_stop
    return 1
}

cmd_stop() {
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$PID_FILE"
        log "not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 40 ]; do
        sleep 0.5
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid ignored SIGTERM for 20 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    log "stopped (pid $pid)"
}

cmd_status() {
    local pid
    if pid="$(running_pid)" && answers; then
        echo "running: pid $pid, $RASA_URL, model ${MODEL#"$REPO_ROOT"/}"
        return 0
    fi
    if answers; then
        echo "answering at $RASA_URL, but not started by this script"
        return 0
    fi
    echo "not running"
    return 3
}

cmd_train() {
    ensure_venv
    ensure_model
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    train) cmd_train ;;
    *)
        echo "usage: $0 start|stop|status|train" >&2
        exit 2
        ;;
esac
