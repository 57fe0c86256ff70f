#!/bin/sh
# The checker benchmark matrix recorded in bench/RESULTS.md (about 10 minutes).
set -e
cd "$(dirname "$0")/.."
for db in sqlite postgres; do
  for n in 1000 10000 50000; do
    .venv/bin/python bench/checker.py --db "$db" --n "$n" --duration 75 --warmup 20
  done
done
