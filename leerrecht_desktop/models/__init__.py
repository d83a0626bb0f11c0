"""Domain model: case files, entries, validation and scoring. Knows nothing of Qt, SQL or crypto."""
