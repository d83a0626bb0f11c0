"""One APIRouter per topic, joined in leerrecht_server/api/main.py."""
