"""Use cases of the core app, as typed functions taking explicit arguments."""
