# Sourced by ./dev test: make sure a Redis server answers on 127.0.0.1:6379 (the saq queue's
# tests), installing and starting one where the machine lacks it. Exports STEWARD_TEST_REDIS.
: "${STEWARD_TEST_REDIS:=redis://127.0.0.1:6379/0}"
export STEWARD_TEST_REDIS

_redis_answers() {
    .venv/bin/python - "$STEWARD_TEST_REDIS" <<'PY'
import sys, redis
try:
    redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()
except redis.RedisError:
    sys.exit(1)
PY
}

if ! _redis_answers; then
    echo "== Redis is not answering on 127.0.0.1:6379; starting it"
    if ! command -v redis-server >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    fi
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/steward-tests.log
    for _ in $(seq 30); do _redis_answers && break; sleep 1; done
fi
