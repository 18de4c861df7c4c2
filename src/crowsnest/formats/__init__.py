"""Hash-list formats (readers and writers), each a plug-in in ``crowsnest.formats``."""
