"""The floor: get-session done by hand in the smallest Django project."""
