"""ASGI entry point for process managers: `uvicorn portal.asgi:app --workers N`."""

from portal.app import create_app
from portal.settings import load_settings

app = create_app(load_settings())
