"""The management API's schemathesis run at many more examples than the suite's ten.

    .venv/bin/python bench/fuzz_api.py [--examples 100] [--database-url URL]

Runs ``aviso/api/tests/test_openapi.py::TestOpenApiContract`` with
``AVISO_FUZZ_EXAMPLES`` set, on SQLite by default, and prints its verdict and
time. At 40 examples an operation it once found ``GET /api/v1/monitors?offset=2**63``
answering 500; the suite now tries every such boundary explicitly
(``aviso/hostile/tests/test_api_inputs.py``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "aviso/api/tests/test_openapi.py::TestOpenApiContract"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    env = os.environ | {
        "AVISO_FUZZ_EXAMPLES": str(args.examples),
        "AVISO_DATABASE_URL": args.database_url,
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-s", TEST], cwd=ROOT, env=env
    )
    print(f"{args.examples} examples an operation: exit {done.returncode} "
          f"in {time.monotonic() - started:.0f} s")  # fmt: skip
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
