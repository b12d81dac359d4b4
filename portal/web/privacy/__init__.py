"""The privacy centre's pages: asking for a link, the centre itself, confirmations."""
