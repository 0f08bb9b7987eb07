"""The live picture: threat sightings fused into tracks, SOS reports merged into incidents.

Import the modules themselves (`magen.picture.fusion`, ...): this package stays empty so
that the domain can import `magen.picture.acts` without pulling fusion in first.
"""
