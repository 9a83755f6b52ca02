-- Run once by the postgres:15 image on an empty volume (docker-entrypoint-initdb.d), as POSTGRES_USER on
-- POSTGRES_DB (interplab). One schema per service; each service's Flyway migrations own the tables in it.
-- Mirrors what infra/postgres.sh creates for the Docker-free setup.
CREATE SCHEMA IF NOT EXISTS dashboard AUTHORIZATION interplab;
CREATE SCHEMA IF NOT EXISTS trainer AUTHORIZATION interplab;
CREATE SCHEMA IF NOT EXISTS analysis AUTHORIZATION interplab;
