#!/usr/bin/env bash
# The city tier's numbers (docs/PERFORMANCE.md, "City tier"), each against
# a throwaway PostgreSQL cluster (city/pgtest):
#  - ingest through the real uplink and API vs the COPY floor, 7-day catch-up
#    (70,000 events), uplink memory with the city down for a simulated week;
#  - dashboard and statistics latency on generated rows: CITY_SITES (220)
#    sites × 90 days × CITY_EVENTS_PER_DAY (80) events (a day and 90 days across
#    every site, 30 days of one site; CITY_EXPLAIN=1 logs the plans).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=${GOFLAGS:--tags=no_emoji} CGO_ENABLED=1
go test -run '^$' -bench . -benchtime 1x -v ./hall/uplink
go test -run '^$' -bench Dashboard -benchtime 1x -timeout 30m -v ./city/server
