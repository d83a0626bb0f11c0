"""Qt widgets, dialogs and view models: the only package that imports PySide6."""
