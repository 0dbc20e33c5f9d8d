"""Storage primitives with the atomicity the security rules need."""
