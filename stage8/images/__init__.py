"""Images: bytes in, a validated, normalised image and its thumbnail out; then objects and rows.

Rules owned here: an image is judged by its bytes, never its name, and every verdict comes from
its header before any pixel is decoded (validate); what a file may cost to decode (budget); the
pixel work in libvips, with shrink-on-load (vips_engine), or in Pillow for the modes libvips
reads differently and any file it fails on (pillow_engine), both storing the same shape
(pipeline); the decoded picture is the only full-size copy in Pillow, modes are converted and
downscaled in bands (downscale); pixel modes, colour and format sniffing (modes); objects are
written before rows, under content-addressed keys, and a new object is removed when its rows or
the rest of its staging fail (ingest, invariant 4).
"""
