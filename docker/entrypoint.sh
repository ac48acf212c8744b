#!/bin/sh
# Estran container entrypoint: apply database migrations before the web server starts, then run
# the command. Only the web server migrates (the worker and beat start with the schema the web
# container brought up), so two processes never race on `migrate` in one deployment.
# ESTRAN_MIGRATE=0 skips it, e.g. when several web replicas start at once and migrations are run
# as a separate step (`docker compose run --rm web python manage.py migrate`).
set -eu

if [ "$#" -eq 0 ]; then
    set -- gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers 3 --worker-class gthread --threads 4 --timeout 120
fi

case "$1" in
    gunicorn | */gunicorn)
        if [ "${ESTRAN_MIGRATE:-1}" != "0" ]; then
            echo "entrypoint: applying database migrations" >&2
            python manage.py migrate --noinput
        fi
        ;;
esac

exec "$@"
