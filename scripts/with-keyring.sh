#!/usr/bin/env bash
# Run a command against a real, throw-away OS keychain (freedesktop Secret
# Service provided by gnome-keyring), e.g.:
#
#   scripts/with-keyring.sh vitest run
#   scripts/with-keyring.sh npx vitest run test/keychain
#
# Every run gets:
#   - a fresh temporary HOME (XDG_* directories inside it), removed on exit,
#     so the keyring files the daemon writes never touch the real home and
#     tests can search HOME for leaked key material;
#   - a private D-Bus session bus (dbus-run-session);
#   - gnome-keyring-daemon's secrets component, with a login keyring created
#     and unlocked under a random password that never leaves the inner shell.
#
# The command's exit status is returned. Exported for the command:
#   FIRSTKEY_KEYRING_HOME  the temporary HOME (tests may scan it)
#   FIRSTKEY_KEYRING=gnome-keyring
#
# If dbus-run-session or gnome-keyring-daemon is missing, a message says so
# and the command runs unchanged, without a Secret Service: the keychain
# tests then fail and say how to get one.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 64
fi

missing=()
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  {
    echo "with-keyring.sh: ${missing[*]} not found, so no Secret Service can be started."
    echo "with-keyring.sh: on Debian/Ubuntu: apt-get install dbus dbus-x11 gnome-keyring"
    echo "with-keyring.sh: running the command without a keychain; keychain tests will fail."
  } >&2
  exec "$@"
fi

root="$(mktemp -d "${TMPDIR:-/tmp}/firstkey-keyring.XXXXXXXXXX")"
cleanup() {
  # The daemons exit when their bus goes away; a file they are still closing
  # must not turn a passing run into a failing one.
  rm -rf -- "$root" 2>/dev/null || rm -rf -- "$root" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export HOME="$root/home"
export XDG_CONFIG_HOME="$HOME/.config"
export XDG_DATA_HOME="$HOME/.local/share"
export XDG_CACHE_HOME="$HOME/.cache"
export XDG_STATE_HOME="$HOME/.local/state"
export XDG_RUNTIME_DIR="$HOME/.xdg-runtime"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"
export FIRSTKEY_KEYRING_HOME="$HOME"
export FIRSTKEY_KEYRING=gnome-keyring
# Never inherit the caller's bus or keyring agent.
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL

# Runs inside the private bus. "$@" is the user's command.
inner='
set -euo pipefail
# The password stays in this shell (never exported): the watch below needs it to unlock again.
unlock_secret="$(head -c 24 /dev/urandom | base64)"
# --unlock reads the login keyring password on stdin and creates the keyring
# if it does not exist yet; its stdout only lists environment variables.
start_keyring() {
  printf "%s" "$unlock_secret" | gnome-keyring-daemon "$@" --unlock --components=secrets >/dev/null
}
secrets_owner_pid() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null | awk "/uint32/ { print \$2 }"
}
start_keyring

# --unlock can return before the daemon owns org.freedesktop.secrets. Wait
# for the owner first (asking the name itself would D-Bus-activate a second
# daemon), then for an unlocked default collection.
ready=0
if command -v dbus-send >/dev/null 2>&1; then
  for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" \
      && reply="$(dbus-send --session --print-reply --dest=org.freedesktop.secrets \
        /org/freedesktop/secrets org.freedesktop.Secret.Service.ReadAlias string:default 2>/dev/null)" \
      && [[ "$reply" == *"/collection/"* ]]; then
      ready=1
      break
    fi
    sleep 0.1
  done
  if [[ $ready -ne 1 ]]; then
    echo "with-keyring.sh: gnome-keyring started but no unlocked default keyring answered on the bus within 10 s." >&2
  fi
fi

# gnome-keyring-daemon can abort when a client connects and leaves at the wrong moment (an upstream race:
# "gkd_secret_service_get_pkcs11_session: assertion client failed"; seen here as "trap int3 ... in
# libglib" in the kernel log, under the end-to-end suite). D-Bus then starts a fresh daemon whose login
# keyring is locked behind a prompt nobody can answer on a machine without a display, and every later
# keychain call fails. So the daemon is watched, and replaced by one unlocked with the same password.
watch_keyring() {
  local pid
  pid="$(secrets_owner_pid)"
  while sleep 0.5; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      echo "with-keyring.sh: gnome-keyring-daemon ($pid) exited; starting it again, unlocked." >&2
      start_keyring --replace || true
      sleep 0.5
      pid="$(secrets_owner_pid)"
    fi
  done
}
if [[ $ready -eq 1 ]]; then
  watch_keyring &
  watcher=$!
  trap "kill $watcher 2>/dev/null || true" EXIT
fi

"$@"
'

status=0
dbus-run-session -- bash -c "$inner" with-keyring "$@" || status=$?
exit "$status"
