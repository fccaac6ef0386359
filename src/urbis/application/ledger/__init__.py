"""Use cases of the receivables ledger: post and reverse entries, statements and balances."""
