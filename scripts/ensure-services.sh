#!/usr/bin/env bash
# Make sure PostgreSQL, Redis and Debian's chromium are there for the test suite.
# Starts what is installed but stopped; in CI (CI=true) anything still missing fails the run loudly.
set -uo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379
missing=()

say() { printf '[services] %s\n' "$*"; }

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
fi
if pg_up; then
  if ! psql -h "$PG_HOST" -U postgres -lqt 2>/dev/null | cut -d'|' -f1 | grep -qw test; then
    say "creating database test"
    psql -h "$PG_HOST" -U postgres -c "CREATE DATABASE test" >/dev/null
  fi
  say "PostgreSQL is up"
else
  missing+=("PostgreSQL on $PG_HOST:$PG_PORT")
fi

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    say "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  fi
fi
if redis_up; then say "Redis is up"; else missing+=("Redis on 127.0.0.1:$REDIS_PORT"); fi

if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    say "installing Debian's chromium (browser tests)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null 2>&1 || true
  fi
fi
if command -v chromium >/dev/null 2>&1; then say "chromium: $(command -v chromium)"; else missing+=("Debian's chromium"); fi

if [ ${#missing[@]} -gt 0 ]; then
  for m in "${missing[@]}"; do say "MISSING: $m"; done
  say "The test suite needs these services; it never skips the tests that use them."
  exit 1
fi
