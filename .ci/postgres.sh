# Sourced by ./dev test: make sure a PostgreSQL server answers on 127.0.0.1 and has a test
# database, installing and starting one where the machine lacks it. Exports STEWARD_TEST_POSTGRES.
: "${STEWARD_TEST_POSTGRES:=postgresql://postgres@127.0.0.1:5432/steward_test}"
export STEWARD_TEST_POSTGRES

_pg_answers() {
    .venv/bin/python - "$1" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except psycopg.OperationalError as exc:
    sys.exit(1)
PY
}

_pg_admin_url="${STEWARD_TEST_POSTGRES%/*}/postgres"
if ! _pg_answers "$_pg_admin_url"; then
    echo "== PostgreSQL is not answering on 127.0.0.1; starting it"
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    version=$(ls /etc/postgresql | sort -n | tail -1)
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    # Tests connect as postgres over loopback without a password, as on the CI machines.
    if ! grep -q "steward-tests" "$hba"; then
        sed -i '1i host all all 127.0.0.1/32 trust # steward-tests\nhost all all ::1/128 trust # steward-tests' "$hba"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main reload
    for _ in $(seq 30); do _pg_answers "$_pg_admin_url" && break; sleep 1; done
fi
.venv/bin/python - "$_pg_admin_url" "${STEWARD_TEST_POSTGRES##*/}" <<'PY'
import sys, psycopg
admin, name = sys.argv[1], sys.argv[2].split("?")[0]
with psycopg.connect(admin, autocommit=True) as connection:
    if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        connection.execute(f'CREATE DATABASE "{name}"')
        print(f"== created test database {name}")
PY
