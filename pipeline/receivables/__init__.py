"""Getting paid: the invoices of a signed contract's shipments, credit and debit notes, and the
payments received against them."""
