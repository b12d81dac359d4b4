"""Composition root: the app factory, the ASGI entry, the CLI, the database apps and the background loops. The only package that imports all the others."""
