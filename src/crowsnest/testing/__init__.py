"""Public test helpers: conformance suites for plug-ins and benign sample media."""
