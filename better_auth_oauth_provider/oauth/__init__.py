"""Protocol building blocks: client authentication, redirect URIs, digests."""
