"""The shared core of Leerrecht: what the desktop app and the sync server both use.

- `protocol`: the sync wire format (pydantic models), the one contract between client and server;
- `crypto`: key derivation, the key hierarchy, sealing and verifying records (only `cryptography`);
- `errors`: the root of every refusal that carries the sentence the user sees;
- `i18n` and `resources`: translations and the data files in `resources/`.

Nothing here imports Qt, SQLAlchemy, FastAPI or either application package (import-linter checks it).
"""
