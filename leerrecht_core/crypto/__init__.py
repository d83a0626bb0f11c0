"""The vault: key derivation, the key hierarchy, sealing and opening records. No Qt, no SQL."""
