"""Treasury: watch Safe multisigs, decode their transactions, alert and nudge signers."""
