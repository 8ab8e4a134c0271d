# Web workbench (issue 6): PostgreSQL for the store tests, Debian's chromium for the browser tests.
# Sourced by .ci/run as root; apt lists are already updated. Never downloads a browser build.
apt-get install -y -qq postgresql chromium fonts-noto-cjk >/dev/null
pip install -q playwright  # the Python driver only; the browser is /usr/bin/chromium

# PostgreSQL on loopback with a throwaway role and database.
PG_VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^${PG_VERSION} main$"; then
  pg_createcluster "$PG_VERSION" main >/dev/null
fi
pg_ctlcluster "$PG_VERSION" main start 2>/dev/null || service postgresql start
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1" && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='jixiao'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE jixiao LOGIN PASSWORD 'jixiao'\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='jixiao_test'\"" | grep -q 1 \
  || su postgres -c "psql -qc 'CREATE DATABASE jixiao_test OWNER jixiao'"
export JIXIAO_TEST_PG_URL="postgresql+psycopg://jixiao:jixiao@127.0.0.1/jixiao_test"
