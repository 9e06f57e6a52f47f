"""Zero-carbon certificates: signed W3C Verifiable Credentials, printable, verifiable by anyone."""
