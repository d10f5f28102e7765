"""Letters of credit (信用证): a signed contract's L/Cs, their amendments, presentations and discrepancies."""
