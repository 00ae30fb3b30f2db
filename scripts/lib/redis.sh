# Sourced by scripts/dev and scripts/test. Makes sure a Redis answers at REDIS_URL; when none does, starts
# a local redis-server on that port with noeviction (an evicting Redis deletes jobs and windows),
# installing Debian's redis-server first when the binary is missing. Credentials in REDIS_URL
# (redis://user:password@host:port) are sent with AUTH before the PING, and a locally started server gets
# that user; rediss:// is probed with openssl s_client but never started here.
: "${REDIS_URL:=redis://127.0.0.1:6379}"
export REDIS_URL

# Backslashes are doubled first so that only the %XX escapes are decoded (printf %b would also read \n in a password).
url_decode() { local text="${1//\\/\\\\}"; printf '%b' "${text//%/\\x}"; }

# Sets REDIS_TLS (0/1), REDIS_USER and REDIS_PASS (decoded, empty when absent), REDIS_HOST and REDIS_PORT.
redis_url_parts() {
  local rest="${REDIS_URL#*://}" auth=""
  REDIS_TLS=0; case "$REDIS_URL" in rediss://*) REDIS_TLS=1;; esac
  rest="${rest%%/*}"
  if [[ "$rest" == *@* ]]; then auth="${rest%@*}"; rest="${rest##*@}"; fi
  REDIS_USER="$(url_decode "${auth%%:*}")"; REDIS_PASS=""
  [[ "$auth" == *:* ]] && REDIS_PASS="$(url_decode "${auth#*:}")"
  REDIS_HOST="${rest%%:*}"; REDIS_PORT="${rest##*:}"
  [ "$REDIS_PORT" = "$rest" ] && REDIS_PORT=6379
  [ -n "$REDIS_HOST" ] || REDIS_HOST=127.0.0.1
}

# Appends one command in RESP to REDIS_REQUEST, so passwords with spaces or quotes travel intact (a command
# substitution would strip the final newline).
resp_append() {
  local LC_ALL=C arg
  REDIS_REQUEST+="*$#"$'\r\n'
  for arg; do REDIS_REQUEST+="\$${#arg}"$'\r\n'"$arg"$'\r\n'; done
}

# Prints what Redis replies to AUTH (when REDIS_URL has a password) and PING.
redis_reply() {
  redis_url_parts
  local REDIS_REQUEST=""
  if [ -n "$REDIS_PASS" ]; then
    if [ -n "$REDIS_USER" ]; then resp_append AUTH "$REDIS_USER" "$REDIS_PASS"
    else resp_append AUTH "$REDIS_PASS"; fi
  fi
  resp_append PING
  local replies=1; [ -n "$REDIS_PASS" ] && replies=2
  # Handed over in the environment, not as an argument, so the password stays out of the process list.
  if [ "$REDIS_TLS" = 1 ]; then
    # s_client keeps the connection after its input ends, so it gets its own deadline and is left behind.
    REDIS_PROBE="$REDIS_REQUEST" timeout 3 bash -c 'exec 3< <(printf "%s" "$REDIS_PROBE" \
      | timeout 3 openssl s_client -quiet -connect "$0:$1" 2>/dev/null); head -n "$2" <&3' \
      "$REDIS_HOST" "$REDIS_PORT" "$replies" 2>/dev/null
  else
    # bash's /dev/tcp keeps this free of a redis-cli dependency.
    REDIS_PROBE="$REDIS_REQUEST" timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "%s" "$REDIS_PROBE" >&3 && head -n "$2" <&3' \
      "$REDIS_HOST" "$REDIS_PORT" "$replies" 2>/dev/null
  fi
}

redis_answers() {
  local reply; reply="$(redis_reply)"
  [[ "$reply" == *PONG* && "$reply" != *-WRONGPASS* && "$reply" != *-ERR* ]]
}

ensure_redis() {
  # redis_reply runs in a subshell below, so the parts this function reports and uses are set here too.
  redis_url_parts
  local reply; reply="$(redis_reply)"
  if [[ "$reply" == *-WRONGPASS* || "$reply" == *-NOAUTH* || "$reply" == *-ERR* ]]; then
    say "Redis at $REDIS_HOST:$REDIS_PORT does not accept the credentials of REDIS_URL: ${reply%%$'\r'*}"
    return 1
  fi
  if [[ "$reply" == *PONG* ]]; then
    say "Redis answers at $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  case "$REDIS_HOST" in 127.*|localhost) ;; *) say "no Redis at $REDIS_HOST:$REDIS_PORT and it is not local: start it yourself"; return 1;; esac
  [ "$REDIS_TLS" = 0 ] || { say "no Redis at $REDIS_HOST:$REDIS_PORT and REDIS_URL asks for TLS: start it yourself"; return 1; }
  if ! command -v redis-server >/dev/null 2>&1; then
    say "no Redis at $REDIS_HOST:$REDIS_PORT and no redis-server: installing Debian package redis-server"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2 || { say "could not install redis-server"; return 1; }
  fi
  local dir="${ROOT}/.tools/redis-$REDIS_PORT"; mkdir -p "$dir"
  local acl=()
  if [ -n "$REDIS_PASS" ]; then
    # Only the password's SHA-256 goes into the ACL file.
    local digest; digest="$(printf '%s' "$REDIS_PASS" | sha256sum | cut -c1-64)"
    (umask 077; if [ -n "$REDIS_USER" ] && [ "$REDIS_USER" != default ]; then
      printf 'user default off resetpass\nuser %s on #%s ~* &* +@all\n' "$REDIS_USER" "$digest"
    else
      printf 'user default on #%s ~* &* +@all\n' "$digest"
    fi > "$dir/users.acl")
    acl=(--aclfile "$dir/users.acl")
    say "the local redis-server takes the user and password of REDIS_URL (ACL file .tools/redis-$REDIS_PORT/users.acl)"
  fi
  say "starting a local redis-server on $REDIS_HOST:$REDIS_PORT (maxmemory-policy noeviction, data in .tools/redis-$REDIS_PORT)"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no \
    --maxmemory-policy noeviction --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" "${acl[@]}" >&2
  for _ in $(seq 1 50); do redis_answers && return 0; sleep 0.1; done
  say "redis-server did not answer on port $REDIS_PORT; see $dir/redis.log"; return 1
}
