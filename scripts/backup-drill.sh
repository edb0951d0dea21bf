#!/usr/bin/env bash
# The backup and restore drill (issue 20; deploy/README.md, "Backup and
# restore"): back up a running claimflow installation's three parts, restore
# them beside it, and prove the restored copy is whole.
#
#   backup:  a signed audit checkpoint into the archive, then Postgres (pg_dump -Fc), the archive bucket (claimflow archive
#            backup: every object sealed as stored) and the key material
#            (the key file and the wrapped index key, apart from the rest);
#   restore: a new database <db>_drill, a new bucket <bucket>-drill, the key
#            files into a new directory;
#   verify:  the audit log of the restored database verifies (hash chain,
#            head MACs) under the restored keys; row counts of the claim,
#            patient and remittance tables match the source; the restored
#            bucket lists every source file, and a file read back from it
#            under the restored keys has the SHA-256 it is filed under.
#
# The installation is the one the environment describes, as for the
# claimflow binary (DATABASE_URL, CLAIMFLOW_S3_*, CLAIMFLOW_DATA_DIR or
# CLAIMFLOW_KEY_FILE). Usage: backup-drill.sh CLAIMFLOW-BINARY WORK-DIR
# Prints each phase's time. make prod-rehearsal runs it after its tests.
set -euo pipefail
claimflow=${1:?usage: backup-drill.sh CLAIMFLOW-BINARY WORK-DIR}
work=${2:?usage: backup-drill.sh CLAIMFLOW-BINARY WORK-DIR}
: "${DATABASE_URL:?DATABASE_URL must name the database of the installation}"

say() { printf 'backup-drill: %s\n' "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1fs", b - a}'; }

keyfile=${CLAIMFLOW_KEY_FILE:-${CLAIMFLOW_DATA_DIR:-.data}/keys/kek.json}
[ -f "$keyfile" ] || [ -n "${CLAIMFLOW_KMS_ENDPOINT:-}" ] || die "no key file at $keyfile"
bucket=${CLAIMFLOW_S3_BUCKET:-claimflow-archive}
db=$(sed -E 's|^[a-z]+://[^/]*/([^?]*).*|\1|' <<<"$DATABASE_URL")
[ -n "$db" ] && [ "$db" != "$DATABASE_URL" ] || die "cannot read the database name from DATABASE_URL"
drilldb=${db}_drill
base=${DATABASE_URL%%\?*}
drillurl=${base%/*}/$drilldb${DATABASE_URL#"$base"}
rm -rf "$work" && mkdir -p "$work/backup/keys" "$work/restore/keys"
t0=$(now)

# --- backup ------------------------------------------------------------------
tb=$(now)
# A signed checkpoint of the audit chains' heads first, so the restored
# copy is checked against a point the backup must reach.
"$claimflow" audit checkpoint >"$work/audit-checkpoint.log" 2>&1 || { cat "$work/audit-checkpoint.log" >&2; die "audit checkpoint"; }
pg_dump -Fc -f "$work/backup/db.dump" "$DATABASE_URL" || die "pg_dump"
"$claimflow" archive backup "$work/backup/archive.tar" 2>"$work/archive-backup.log" || { cat "$work/archive-backup.log" >&2; die "archive backup"; }
cp -p "$keyfile" "$work/backup/keys/"
for f in "$(dirname "$keyfile")"/index-key*; do [ -f "$f" ] && cp -p "$f" "$work/backup/keys/"; done
chmod 600 "$work/backup/keys/"*
say "backup: database $(du -h "$work/backup/db.dump" | cut -f1), $(cat "$work/archive-backup.log" | sed 's/^archive backup: //'), key files $(ls "$work/backup/keys" | tr '\n' ' ')in $(took "$tb")"

# --- restore -----------------------------------------------------------------
tr=$(now)
psql -q -d "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $drilldb WITH (FORCE)" -c "CREATE DATABASE $drilldb" >/dev/null || die "create $drilldb"
pg_restore --no-owner -d "$drillurl" "$work/backup/db.dump" || die "pg_restore"
cp -p "$work/backup/keys/"* "$work/restore/keys/"
restored_env=(DATABASE_URL="$drillurl" CLAIMFLOW_S3_BUCKET="$bucket-drill" CLAIMFLOW_KEY_FILE="$work/restore/keys/$(basename "$keyfile")")
env "${restored_env[@]}" "$claimflow" archive restore "$work/backup/archive.tar" 2>"$work/archive-restore.log" || { cat "$work/archive-restore.log" >&2; die "archive restore"; }
say "restore: database $drilldb, bucket $bucket-drill, keys in $work/restore/keys, in $(took "$tr")"

# --- verify ------------------------------------------------------------------
tv=$(now)
env "${restored_env[@]}" "$claimflow" audit verify >"$work/audit-verify.log" 2>&1 || { cat "$work/audit-verify.log" >&2; die "audit verify on the restored database"; }
# Claims, patients and remittances do not change once the rehearsal's tests
# are over; the audit log may (a schedule still runs), so it is reported.
counts() { psql -At -d "$1" -c "SELECT (SELECT count(*) FROM claims) || ' claims, ' || (SELECT count(*) FROM patients) || ' patients, ' ||
  (SELECT count(*) FROM remittances) || ' remittances, ' || (SELECT count(*) FROM claim_payments) || ' claim payments'"; }
src_counts=$(counts "$DATABASE_URL") dst_counts=$(counts "$drillurl")
[ "$src_counts" = "$dst_counts" ] || die "source has $src_counts; the restored copy $dst_counts"
audit_rows=$(psql -At -d "$drillurl" -c "SELECT count(*) FROM audit_log")
"$claimflow" archive list -limit 0 | tail -n +2 | awk '{print $1}' | sort >"$work/src-files"
env "${restored_env[@]}" "$claimflow" archive list -limit 0 | tail -n +2 | awk '{print $1}' | sort >"$work/dst-files"
missing=$(comm -23 "$work/src-files" "$work/dst-files" | wc -l)
[ "$missing" = 0 ] || die "$missing archived files missing from the restored bucket"
files=$(wc -l <"$work/dst-files") readback="nothing to read back"
if [ "$files" -gt 0 ]; then
  h=$(head -n 1 "$work/dst-files")
  got=$(env "${restored_env[@]}" "$claimflow" archive get "$h" | sha256sum | cut -d' ' -f1)
  # The archive's key is the SHA-256 of the file's bytes: reading it back
  # from the restored bucket under the restored keys must give the same.
  [ "$got" = "$h" ] || die "restored file $h reads back as $got"
  readback="one read back under the restored keys with the SHA-256 it is filed under"
fi
say "verify: audit log verifies ($audit_rows rows); $dst_counts, as in the source; $files archived files, all present, $readback; in $(took "$tv")"
say "passed in $(took "$t0") (backup, restore and verify)"
