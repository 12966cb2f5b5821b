from pmaction.cli import main
import sys
sys.exit(main())
