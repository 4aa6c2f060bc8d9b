#!/bin/bash
# The read replica: on its first start, copies the primary with pg_basebackup (-R writes
# primary_conninfo and standby.signal, -C -S creates its replication slot, so the primary keeps the WAL
# it has not received yet), then runs as a hot standby. Reports (the tracker's postgres.readUrl) and
# the MES API's status reads (--read-database-url) go here.
set -euo pipefail

: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD (see README.md, "Run the whole stack": generate .env)}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -p 5432 -U replicator -d postgres -q; do
    echo "replica: waiting for the primary"
    sleep 2
  done
  export PGPASSWORD="$REPLICATION_PASSWORD"
  pg_basebackup -h postgres -p 5432 -U replicator -D "$PGDATA" -R -C -S replica1 -X stream --checkpoint=fast
  unset PGPASSWORD
  chmod 0700 "$PGDATA"
fi

exec docker-entrypoint.sh postgres -c hot_standby=on
