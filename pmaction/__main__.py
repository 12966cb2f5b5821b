import sys

from pmaction.cli import main

sys.exit(main())
