import sys

from brainscore_memorability.cli import main

sys.exit(main())
