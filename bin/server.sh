#!/bin/sh
# Starts the service the way production runs it. `npm start`, the image's CMD (deploy/Dockerfile)
# and the benchmark (bench/product.ts) all start it through this file, so the memory settings
# below are the same everywhere. Arguments are more node options (e.g. --cpu-prof), placed
# before the entry point. The script execs node: the process is node itself (signals, PID,
# memory).
#
# Memory settings, measured in docs/performance.md ("Resident memory"). Left to its defaults,
# V8 lets the young generation grow to 2 x 16 MiB and the old generation to several times what
# is live, and glibc gives each thread that allocates its own malloc arena: under load the
# process went from ~110 to 220-260 MiB resident, most of it garbage and free space.
# --max-semi-space-size=2     a young generation of 2 x 2 MiB: more, cheaper minor GCs;
# --heap-growing-percent=50   the old generation grows to 1.5 x what survived the last full GC
#                             before the next one (instead of up to 4 x);
# MALLOC_ARENA_MAX=2          (unless already set) two malloc arenas for all threads.
# None is a hard limit: a large Kubernetes store (every request Secret is kept in memory)
# still gets the heap it needs, up to V8's default maximum, which Node derives from the
# container's memory limit.
set -eu
: "${MALLOC_ARENA_MAX:=2}"
export MALLOC_ARENA_MAX
here=$(dirname "$0")
exec node --max-semi-space-size=2 --heap-growing-percent=50 "$@" "$here/../dist/server.js"
