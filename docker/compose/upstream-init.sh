#!/bin/sh
# First start of the upstream: the gateway's roles, the clinic database and its sample data.
set -eu
gateway_password=$(cat /run/secrets/hoopgate/upstream)
reader_password=$(cat /run/secrets/hoopgate/clinic_reader)
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE hoopgate LOGIN PASSWORD '$gateway_password';
CREATE ROLE clinic_reader LOGIN PASSWORD '$reader_password';
CREATE DATABASE clinic OWNER hoopgate;
SQL
psql -v ON_ERROR_STOP=1 --username postgres -d clinic -c "SET ROLE hoopgate" -f /init/clinic.sql
psql -v ON_ERROR_STOP=1 --username postgres -d clinic <<SQL
GRANT USAGE ON SCHEMA clinic TO clinic_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA clinic TO clinic_reader;
SQL
