"""Destinations where reports and notices are delivered, each a plug-in."""
