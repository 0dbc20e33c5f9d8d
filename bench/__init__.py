"""Load benchmark of the demo project against Better Auth and a minimal view."""
