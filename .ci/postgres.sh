#!/usr/bin/env bash
# Install and start a local PostgreSQL server (Debian packages) for the PostgreSQL tests,
# then print the SQLAlchemy URL to use as ESG_TEST_POSTGRES_URL. Needs root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGDATA=${PGDATA:-/tmp/esg-pg-data}
PGPORT=${PGPORT:-54329}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA"
  su postgres -c "$PGBIN/initdb -D $PGDATA -U postgres --auth=trust >/dev/null"
fi
if ! su postgres -c "$PGBIN/pg_ctl -D $PGDATA status" >/dev/null 2>&1; then
  su postgres -c "$PGBIN/pg_ctl -D $PGDATA -o '-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1' -l $PGDATA/server.log -w start" >/dev/null
fi
su postgres -c "psql -h 127.0.0.1 -p $PGPORT -U postgres -tc \"select 1 from pg_database where datname='esg_test'\"" | grep -q 1 \
  || su postgres -c "psql -h 127.0.0.1 -p $PGPORT -U postgres -c 'create database esg_test'" >/dev/null
echo "postgresql+psycopg2://postgres@127.0.0.1:$PGPORT/esg_test"
