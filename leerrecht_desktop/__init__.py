"""Leerrecht Desktop: offline-first, end-to-end encrypted case files for learning-rights field workers."""

__version__ = "0.1.0"
