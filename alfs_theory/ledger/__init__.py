"""The ledger of the paper's claims (``alfs verify``), each checked symbolically or numerically:
the claims (:mod:`.claims`), the run
(:mod:`.run`). The report is written under ``--out`` (default ``alfs-verify``), never here."""
