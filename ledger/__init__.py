"""The offset ledger: forestry carbon-sink credits as serial blocks, retired once, on a transparency log."""
