"""Use cases of the organization plugin, as typed functions.

They take model instances and plain values, raise ``APIError`` with Better
Auth's codes, and keep every limit in one conditional statement.
"""
