"""`python -m leerrecht_desktop`: the same as the `leerrecht` command."""

from leerrecht_desktop.app import main

if __name__ == "__main__":
    raise SystemExit(main())
