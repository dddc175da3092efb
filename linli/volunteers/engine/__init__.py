"""The volunteers module's rules in plain Python (no Django): star levels, the time-bank ledger, hours."""
