"""PDF reports: the case summary (case_summary.py) and the team overview. They take domain objects
from `models` and return the PDF as bytes, built in memory: no plaintext temporary file (DESIGN §2).
No Qt, no SQL, no crypto here (DESIGN §1); the caller loads and decrypts, the UI previews and prints."""
