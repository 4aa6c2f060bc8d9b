#!/bin/bash
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): one database
# per service (the shop and the CRM no longer share one), the tracker's, and a replication login for
# the read replica. Passwords come from the environment (.env), never from this repository.
set -euo pipefail

: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD (see README.md, "Run the whole stack": generate .env)}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE DATABASE orderscope;
CREATE DATABASE orderscope_shop;
CREATE DATABASE orderscope_crm;
CREATE DATABASE orderscope_mes;
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
SQL

# The replica streams from the primary over the compose network.
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
