import sys

from luisterpost.cli import main

sys.exit(main())
