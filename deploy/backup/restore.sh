#!/usr/bin/env bash
# Restore one service's schema from a dump made by backup.sh.
#
#   DATABASE_URL=postgresql://user:pass@host:5432/branch_rhythm deploy/backup/restore.sh [--replace] DUMPFILE
#
# The schema restored is the one inside DUMPFILE. If it already exists, the restore stops unless
# --replace is given, which replaces it (the old one is set aside until the restore succeeded). Stop the service that owns the
# schema before restoring; on start it finds its migrations already applied (alembic_version
# lives in the schema and is restored with it). The whole restore runs in one transaction.
set -euo pipefail

replace=0
if [ "${1:-}" = "--replace" ]; then replace=1; shift; fi
[ $# -eq 1 ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
file=$1
[ -r "$file" ] || { echo "restore: cannot read $file" >&2; exit 2; }

: "${DATABASE_URL:?set DATABASE_URL to the database to restore into}"
url=${DATABASE_URL/postgresql+psycopg2:/postgresql:}

# The schema the dump creates, read from its table of contents.
schema=$(pg_restore --list "$file" | awk '$4 == "SCHEMA" && !seen { print $6; seen = 1 }')
if ! [[ ${schema:-} =~ ^[a-z_][a-z0-9_]*$ ]]; then
  echo "restore: $file holds no single service schema" >&2; exit 1
fi

psql_do() { psql "$url" -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages TO warning; $1"; }

exists=$(psql "$url" -XtAc "SELECT 1 FROM pg_namespace WHERE nspname = '$schema'")
aside=""
if [ "$exists" = 1 ]; then
  if [ $replace -ne 1 ]; then
    echo "restore: schema $schema exists; stop its service and pass --replace to overwrite it" >&2
    exit 1
  fi
  # Set the current schema aside rather than dropping it, so a failed restore loses nothing.
  aside="${schema}_before_restore_$(date -u +%Y%m%d%H%M%S)"
  psql_do "ALTER SCHEMA \"$schema\" RENAME TO \"$aside\""
fi
if ! pg_restore --dbname="$url" --no-owner --no-privileges --single-transaction --exit-on-error "$file"; then
  if [ -n "$aside" ]; then
    psql_do "ALTER SCHEMA \"$aside\" RENAME TO \"$schema\""
    echo "restore: failed; schema $schema left as it was" >&2
  fi
  exit 1
fi
if [ -n "$aside" ]; then
  psql_do "DROP SCHEMA \"$aside\" CASCADE"
fi
echo "restored schema $schema from $file"
