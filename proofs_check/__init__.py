"""proofs_check: the ledger of the paper's claims, each checked symbolically or numerically."""
