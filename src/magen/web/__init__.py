"""The pages people use: the operations console, the responder view and the resident page.

Templates and static files live beside this module; front-end packages come from the npm
registry into `node_modules/` (see package.json) and are served from there, never copied in.
"""

from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
LEAFLET_DIR = WEB_DIR / "node_modules" / "leaflet" / "dist"
