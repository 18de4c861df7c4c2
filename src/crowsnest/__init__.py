"""crowsnest: a self-hostable lookout post against online child sexual abuse material.

Three faces over one core: *match* (hash media and match it against banks of known
hashes), *hotline* (public URL reports, triage, forwarding, takedown tracking) and
*help* (where to get help and where to report, per country).
"""

__version__ = "0.1.0"
