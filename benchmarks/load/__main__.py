"""`python -m benchmarks.load`: see run.py."""

import sys

from benchmarks.load.run import main

sys.exit(main())
