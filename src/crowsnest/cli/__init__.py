"""The ``crowsnest`` command line: parse arguments, call a service, format the result."""
