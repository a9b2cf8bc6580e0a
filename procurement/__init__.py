"""Registry of innovative public procurement and PPP cases for the Baltic Metropolises network."""

__version__ = "0.1.0"
