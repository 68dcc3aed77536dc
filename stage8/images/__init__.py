"""Images: bytes in, a validated, normalised image and its thumbnail out; then objects and rows.

Rules owned here: an image is judged by its bytes, never its name (pipeline); what a file may cost
to decode, judged from its header before any pixel is decoded (budget); the decoded picture is the
only full-size copy, modes are converted and downscaled in bands (downscale); pixel modes, colour
and format sniffing (modes); objects are written before rows, under content-addressed keys, and a
new object is removed when its rows or the rest of its staging fail (ingest, invariant 4).
"""
