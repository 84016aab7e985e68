#!/usr/bin/env bash
# Queue engine and hall server benchmarks (numbers of issue 3):
#   BenchmarkIssueCall        ticket cycles from 32 windows vs the fsync floor (ratio ≥ 0.5)
#   BenchmarkIssueCallSerial  the same from one client
#   BenchmarkCallNext200      call-next over HTTP on loopback from 200 concurrent clients:
#                             rate=R sub-benchmarks offer R calls/s in all (open loop, latency
#                             counted from when each call was due; p99 ≤ 20 ms target), closed
#                             calls back to back (saturation throughput)
# Usage: scripts/bench-queue.sh [count]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
COUNT=${1:-1}
go test -run '^$' -bench 'IssueCall' -benchtime 3000x -count "$COUNT" ./queue/engine
go test -run '^$' -bench 'CallNext200' -benchtime 3000x -count "$COUNT" ./queue/hallapi
