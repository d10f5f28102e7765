"""After the signature (销售跟踪): the shipments of a signed contract, their assays, outturn and
laytime, the final value and the claims tied to the cargo. Depends on pipeline, never the reverse."""
