"""CyberTipline-style reports to NCMEC, following NCMEC's public reporting API documentation.

``model`` holds the neutral report (built by services from a case or a match), ``xml``
turns it into the documented ``<report>`` and ``<fileDetails>`` documents and reads the
``<reportResponse>``/``<reportDoneResponse>`` answers, ``client`` speaks the protocol
(submit → upload → fileinfo → finish, with retract on failure) with retries.
"""
