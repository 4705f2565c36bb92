"""`python -m gateway` is the `ldp` command."""
import sys

from gateway.cli import main

sys.exit(main())
