"""Importing an existing caseload from a spreadsheet (issue 15): reading the file (sheet), recognising
its columns (mapping), turning each row into a profile with its problems (rows), and the preview and
the write with its duplicates (plan). No Qt: the command line uses it today, the window later.
docs/import.md says what a user may put in the file."""
