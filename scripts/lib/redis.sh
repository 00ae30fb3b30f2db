# Sourced by scripts/dev and scripts/test. Makes sure a Redis answers at REDIS_URL; when none does, starts
# a local redis-server on that port with noeviction (an evicting Redis deletes jobs and windows),
# installing Debian's redis-server first when the binary is missing.
: "${REDIS_URL:=redis://127.0.0.1:6379}"
export REDIS_URL

redis_host_port() {
  local rest="${REDIS_URL#*://}"; rest="${rest##*@}"; rest="${rest%%/*}"
  REDIS_HOST="${rest%%:*}"; REDIS_PORT="${rest##*:}"
  [ "$REDIS_PORT" = "$rest" ] && REDIS_PORT=6379
  [ -n "$REDIS_HOST" ] || REDIS_HOST=127.0.0.1
}

redis_answers() {
  redis_host_port
  # bash's /dev/tcp keeps this free of a redis-cli dependency.
  timeout 2 bash -c "exec 3<>/dev/tcp/$REDIS_HOST/$REDIS_PORT && printf 'PING\r\n' >&3 && head -c 5 <&3" 2>/dev/null | grep -q PONG
}

ensure_redis() {
  if redis_answers; then
    say "Redis answers at $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  case "$REDIS_HOST" in 127.*|localhost) ;; *) say "no Redis at $REDIS_URL and it is not local: start it yourself"; return 1;; esac
  if ! command -v redis-server >/dev/null 2>&1; then
    say "no Redis at $REDIS_URL and no redis-server: installing Debian package redis-server"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2 || { say "could not install redis-server"; return 1; }
  fi
  local dir="${ROOT}/.tools/redis-$REDIS_PORT"; mkdir -p "$dir"
  say "starting a local redis-server on $REDIS_HOST:$REDIS_PORT (maxmemory-policy noeviction, data in .tools/redis-$REDIS_PORT)"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no \
    --maxmemory-policy noeviction --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" >&2
  for _ in $(seq 1 50); do redis_answers && return 0; sleep 0.1; done
  say "redis-server did not answer on port $REDIS_PORT; see $dir/redis.log"; return 1
}
