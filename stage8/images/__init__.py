"""Images: bytes in, a validated, normalised image and its thumbnail out; then objects and rows.

Rules owned here: an image is judged by its bytes, never its name (pipeline); pixel modes, colour
and format sniffing (modes); objects are written before rows, under content-addressed keys, and a
new object is removed when its rows fail (ingest, invariant 4).
"""
