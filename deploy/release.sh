#!/usr/bin/env bash
# A deploy on the production machine, after the new code is in place (git pull / unpacked into
# /opt/thebot): install it, run the migrations ONCE, then restart the server processes one by
# one, so nginx always has one to send clients to. Usage: deploy/release.sh [port …]
# (default: 5001 5002). Settings come from /etc/thebot/thebot.env (THEBOT_ENV_FILE to change).
set -euo pipefail
cd "$(dirname "$0")/.."
ENV_FILE="${THEBOT_ENV_FILE:-/etc/thebot/thebot.env}"
if [ $# -gt 0 ]; then PORTS=("$@"); else PORTS=(5001 5002); fi

set -a
# shellcheck disable=SC1090
source "$ENV_FILE"
set +a

.venv/bin/pip install --quiet -e .
.venv/bin/pybabel compile -d thebot/translations >/dev/null
# Before any new process serves: the schema the new code expects. Migrations are written so the
# old processes still running meanwhile keep working (add first, drop in a later release).
.venv/bin/flask --app wsgi db upgrade

for port in "${PORTS[@]}"; do
  systemctl restart "thebot@${port}"
  # the next one restarts only once this one answers again
  for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:${port}/healthz" >/dev/null 2>&1; then
      break
    fi
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:${port}/healthz" >/dev/null || { echo "thebot@${port} is not healthy"; exit 1; }
done
systemctl reload nginx
echo "released: migrations applied, processes ${PORTS[*]} restarted"
