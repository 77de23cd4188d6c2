"""``python -m gdlab ...`` is the same as the ``gdlab`` console script."""
import sys

from gdlab.cli import main

sys.exit(main())
