"""Core endpoint handlers: thin, each parses, calls one service, renders."""
