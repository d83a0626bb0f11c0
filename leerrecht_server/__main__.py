import sys

from leerrecht_server.cli import main

sys.exit(main())
