#!/bin/sh
# The stand-in's entrypoint (base-images.sh), behaving as nginx-unprivileged's does: before nginx starts, source
# /docker-entrypoint.d/*.envsh and run /docker-entrypoint.d/*.sh in order, then exec the command.
set -e
if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
  for script in /docker-entrypoint.d/*; do
    case "$script" in
      *.envsh) [ -x "$script" ] && . "$script" ;;
      *.sh) [ -x "$script" ] && "$script" ;;
    esac
  done
fi
exec "$@"
