# cluster_env.sh (sourced) exports PG* variables and NIGHTJAR_DATABASE_URL for the local
# cluster whose home is $NIGHTJAR_HOME (default ./.nightjar). Needs $NIGHTJAR_BIN.
url=$("$NIGHTJAR_BIN" db url warehouse)
export NIGHTJAR_DATABASE_URL=$url
PGHOST=${url#*host=}; export PGHOST=${PGHOST%%&*}
PGPORT=${url#*port=}; export PGPORT=${PGPORT%%&*}
export PGUSER=postgres PGDATABASE=warehouse
unset url
