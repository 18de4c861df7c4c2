"""Use cases shared by the web and CLI layers: banks, matching, reports, cases, routing."""
