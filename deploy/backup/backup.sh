#!/usr/bin/env bash
# Dump each service's schema to its own file, so one service can be restored without touching
# the others (each service owns exactly one schema; see docs/operations.md, backups).
#
#   DATABASE_URL=postgresql://user:pass@host:5432/branch_rhythm deploy/backup/backup.sh [-o DIR] [SCHEMA...]
#
# SCHEMA defaults to every service schema: members activities points notify dues. Writes
# DIR/<schema>-<UTC timestamp>.dump (pg_dump custom format, compressed) and prints each path.
# DATABASE_URL may be the services' own SQLAlchemy URL (postgresql+psycopg2://...).
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

out_dir=${BACKUP_DIR:-./backups}
while getopts "o:h" opt; do
  case $opt in
    o) out_dir=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))

: "${DATABASE_URL:?set DATABASE_URL to the database holding the service schemas}"
# libpq does not know SQLAlchemy's driver suffix.
url=${DATABASE_URL/postgresql+psycopg2:/postgresql:}
schemas=("$@")
[ ${#schemas[@]} -gt 0 ] || schemas=(members activities points notify dues)

mkdir -p "$out_dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for schema in "${schemas[@]}"; do
  if ! [[ $schema =~ ^[a-z_][a-z0-9_]*$ ]]; then
    echo "backup: not a schema name: $schema" >&2; exit 2
  fi
  exists=$(psql "$url" -XtAc "SELECT 1 FROM pg_namespace WHERE nspname = '$schema'")
  if [ "$exists" != 1 ]; then
    echo "backup: schema $schema does not exist in this database" >&2; exit 1
  fi
  file="$out_dir/$schema-$stamp.dump"
  # Ownership and grants are left out: the restore target may use other roles.
  pg_dump "$url" --schema="$schema" --format=custom --no-owner --no-privileges --file="$file.partial"
  mv "$file.partial" "$file"
  echo "$file"
done
