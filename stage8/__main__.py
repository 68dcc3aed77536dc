"""`python -m stage8 <verb>`: see stage8.cli."""

import sys

from stage8.cli import main

sys.exit(main())
