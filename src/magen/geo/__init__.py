"""The town map and what is computed on it: the town pack, street routing and shelter guidance.

- `magen.geo.town`: `Town` and `load_town` (the compiled pack, loads in well under a second).
- `magen.geo.importer`: `import_town` (OSM extract + shelter files -> pack) and its report.
- `magen.geo.routing`: danger areas, blocked streets, multi-source shortest paths, routes.
- `magen.geo.guidance`: the pure guidance engine (what every building should do now).
- `magen.geo.policy`: the Home Front Command policy as data, with texts in he/ar/en.

Modules are imported explicitly so that loading a pack never pays for pyosmium.
"""
